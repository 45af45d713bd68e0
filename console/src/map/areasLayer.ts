// Areas drawn over the grid map from a WGS-84 GeoJSON FeatureCollection: each feature's
// `kind` property picks its look (an office's jurisdiction, a coverage gap).
import GeoJSON from 'ol/format/GeoJSON'
import type { FeatureLike } from 'ol/Feature'
import VectorLayer from 'ol/layer/Vector'
import VectorSource from 'ol/source/Vector'
import { Fill, Stroke, Style, Text } from 'ol/style'

export type AreaKind = 'office' | 'gap'

export interface AreaCollection {
  type: 'FeatureCollection'
  features: { type: 'Feature'; geometry: unknown; properties: { kind: AreaKind; label?: string } }[]
}

const LOOK: Record<AreaKind, { fill: string; stroke: string }> = {
  office: { fill: 'rgba(31, 90, 166, 0.18)', stroke: '#1f5aa6' },
  gap: { fill: 'rgba(213, 73, 65, 0.45)', stroke: '#d54941' },
}

function style(feature: FeatureLike): Style {
  const look = LOOK[(feature.get('kind') as AreaKind | undefined) ?? 'office']
  const label = feature.get('label') as string | undefined
  return new Style({
    fill: new Fill({ color: look.fill }),
    stroke: new Stroke({ color: look.stroke, width: 2 }),
    text: label
      ? new Text({ text: label, font: '13px sans-serif', fill: new Fill({ color: look.stroke }) })
      : undefined,
  })
}

export function areasLayer(): VectorLayer<VectorSource> {
  return new VectorLayer({ source: new VectorSource(), zIndex: 15, style })
}

/** Put these areas on the layer in place of the ones before. */
export function showAreas(layer: VectorLayer<VectorSource>, areas: AreaCollection | null | undefined): void {
  const source = layer.getSource()
  source?.clear()
  if (!areas || !source) return
  const format = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' })
  source.addFeatures(format.readFeatures(areas))
}
