// The caller's cases as a clustered point layer, loaded from `GET /cases?format=geojson` for the
// view's extent (the API scopes them: an inspector's own grids, a dispatcher's own street).
import type { Feature } from 'ol'
import type { FeatureLike } from 'ol/Feature'
import GeoJSON from 'ol/format/GeoJSON'
import type { Geometry } from 'ol/geom'
import VectorLayer from 'ol/layer/Vector'
import { transformExtent } from 'ol/proj'
import Cluster from 'ol/source/Cluster'
import VectorSource from 'ol/source/Vector'
import { bbox as bboxStrategy } from 'ol/loadingstrategy'
import { Circle, Fill, Stroke, Style, Text } from 'ol/style'
import type { Extent } from 'ol/extent'
import { api } from '../api/client'
import type { paths } from '../api/schema'
import type { Light } from '../lib/deadline'
import {
  caseLight,
  LIGHT_COLOURS,
  STATUS_COLOURS,
  tallyLights,
  worstLight,
  type CaseFacts,
} from './caseLook'

type ListQuery = NonNullable<paths['/cases']['get']['parameters']['query']>
/** The filters of the cases layer: those of `GET /cases`, without what the layer sets itself. */
export type CaseQueryParams = Omit<ListQuery, 'bbox' | 'after' | 'limit' | 'format'>

const PAGE = 500
/** At most this many cases per view: past it the layer says so and the user zooms in. */
export const MAX_CASES = 2000

const geojson = new GeoJSON()

function bboxParam(extent: Extent): string {
  const [west, south, east, north] = transformExtent(extent, 'EPSG:3857', 'EPSG:4326')
  const clamp = (value: number | undefined, limit: number): string =>
    Math.max(-limit, Math.min(limit, value ?? 0)).toFixed(6)
  return [clamp(west, 180), clamp(south, 85), clamp(east, 180), clamp(north, 85)].join(',')
}

interface Loaded {
  features: Feature<Geometry>[]
  capped: boolean
}

async function fetchCases(params: CaseQueryParams, extent: Extent): Promise<Loaded> {
  const features: Feature<Geometry>[] = []
  let after: number | null = null
  do {
    const { data, error } = await api.GET('/cases', {
      params: {
        query: { ...params, bbox: bboxParam(extent), format: 'geojson', limit: PAGE, after },
      },
    })
    if (error || !data) throw new Error('cases layer: the case list failed')
    const page = data as { next_after: number | null }
    features.push(
      ...(geojson.readFeatures(data, { featureProjection: 'EPSG:3857' }) as Feature<Geometry>[]),
    )
    after = page.next_after
  } while (after !== null && features.length < MAX_CASES)
  return { features, capped: after !== null }
}

export interface CasesLayer {
  layer: VectorLayer
  /** Reload what the view shows, keeping the drawn cases until the answer is in. */
  refresh: () => void
  /** Whether the last load stopped at MAX_CASES. */
  capped: () => boolean
  /** The lights of the loaded cases within an extent, counted. */
  lightsIn: (extent: Extent) => Record<Light, number>
}

/**
 * The layer, and a refresh that updates it in place: each load adds new cases, updates known
 * ones and drops those of the loaded extent that the answer no longer holds (closed, moved
 * out of the filter), so polling does not make the points blink.
 */
export function casesLayer(params: CaseQueryParams, onLoad: (capped: boolean) => void): CasesLayer {
  let lastCapped = false
  const source: VectorSource<Feature<Geometry>> = new VectorSource({
    strategy: bboxStrategy,
    loader: (extent, _resolution, _projection, success, failure) => {
      fetchCases(params, extent)
        .then(({ features, capped }) => {
          replaceIn(source, extent, features, !capped)
          lastCapped = capped
          onLoad(capped)
          success?.(features)
        })
        .catch((error: unknown) => {
          console.warn(error)
          source.removeLoadedExtent(extent)
          failure?.()
        })
    },
  })
  const clusters = new Cluster({ source, distance: 36, minDistance: 8 })
  const layer = new VectorLayer({
    source: clusters,
    style: clusterStyle,
    properties: { casesLayer: true },
    zIndex: 10,
  })
  return {
    layer,
    capped: () => lastCapped,
    lightsIn: (extent) => tallyLights(source.getFeaturesInExtent(extent).map(lightOf)),
    refresh: () => {
      source.removeLoadedExtent([-Infinity, -Infinity, Infinity, Infinity])
      source.changed()
    },
  }
}

function replaceIn(
  source: VectorSource<Feature<Geometry>>,
  extent: Extent,
  features: Feature<Geometry>[],
  complete: boolean,
): void {
  const fresh = new Set(features.map((feature) => feature.getId()))
  if (complete) {
    const stale = source
      .getFeaturesInExtent(extent)
      .filter((feature) => !fresh.has(feature.getId()))
    for (const feature of stale) source.removeFeature(feature)
  }
  const added: Feature<Geometry>[] = []
  for (const feature of features) {
    const known = source.getFeatureById(feature.getId() ?? '')
    if (known) {
      known.setProperties(feature.getProperties())
    } else {
      added.push(feature)
    }
  }
  source.addFeatures(added)
}

/** The cases of a cluster feature (one for a lone case). */
export function casesOf(cluster: FeatureLike): FeatureLike[] {
  return (cluster.get('features') as FeatureLike[] | undefined) ?? []
}

function lightOf(feature: FeatureLike): Light {
  return caseLight(feature.getProperties() as CaseFacts)
}

const styles = new Map<string, Style>()

function cached(key: string, make: () => Style): Style {
  let style = styles.get(key)
  if (!style) {
    style = make()
    styles.set(key, style)
  }
  return style
}

function clusterStyle(cluster: FeatureLike): Style {
  const cases = casesOf(cluster)
  const [only] = cases
  if (cases.length === 1 && only) {
    const facts = only.getProperties() as CaseFacts
    const light = lightOf(only)
    return cached(`case:${facts.status}:${light}`, () => caseStyle(facts.status, light))
  }
  const light = worstLight(cases.map(lightOf))
  return cached(`cluster:${light}:${cases.length}`, () => groupStyle(light, cases.length))
}

function caseStyle(status: CaseFacts['status'], light: Light): Style {
  return new Style({
    image: new Circle({
      radius: 7,
      fill: new Fill({ color: STATUS_COLOURS[status] }),
      stroke: new Stroke({ color: light === 'none' ? '#ffffff' : LIGHT_COLOURS[light], width: 3 }),
    }),
  })
}

function groupStyle(light: Light, count: number): Style {
  return new Style({
    image: new Circle({
      radius: 14,
      fill: new Fill({ color: light === 'none' ? '#5b6b82' : LIGHT_COLOURS[light] }),
      stroke: new Stroke({ color: '#ffffff', width: 2 }),
    }),
    text: new Text({
      text: String(count),
      font: 'bold 12px sans-serif',
      fill: new Fill({ color: light === 'yellow' ? '#1f2937' : '#ffffff' }),
    }),
  })
}
