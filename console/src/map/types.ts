// What a page hands GridMap and gets back from it.
export type { CaseQueryParams } from './casesLayer'

/** A point in WGS-84 (EPSG:4326), as the API's `crs: 'wgs84'` takes it. */
export interface LonLat {
  lon: number
  lat: number
}
