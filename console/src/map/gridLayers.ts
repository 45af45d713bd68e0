// The grid map's four layers as OpenLayers vector-tile layers, styled like a 数字城管 base map:
// streets bold, communities dashed, responsibility grids tinted, unit grids hairlines; names
// appear at the zooms where they fit.
import type { FeatureLike } from 'ol/Feature'
import MVT from 'ol/format/MVT'
import VectorTileLayer from 'ol/layer/VectorTile'
import VectorTileSource from 'ol/source/VectorTile'
import { Fill, Stroke, Style, Text } from 'ol/style'
import { createXYZ } from 'ol/tilegrid'
import { authorizedTileLoad } from './tileLoader'

export type GridLayerId = 'streets' | 'communities' | 'responsibility-grids' | 'unit-grids'

interface LayerLook {
  stroke: Stroke
  fill: Fill
  /** The view zoom from which the layer shows at all. */
  minZoom: number
  /** The zooms between which its labels show, and the property they show. */
  label?: { from: number; to: number; property: 'name' | 'code'; font: string; color: string }
}

export const LOOKS: Record<GridLayerId, LayerLook> = {
  'unit-grids': {
    stroke: new Stroke({ color: 'rgba(90, 100, 115, 0.55)', width: 0.6 }),
    fill: new Fill({ color: 'rgba(255, 255, 255, 0.01)' }),
    minZoom: 15,
    label: { from: 18, to: 23, property: 'code', font: '11px sans-serif', color: '#5a6473' },
  },
  'responsibility-grids': {
    stroke: new Stroke({ color: '#e08a1e', width: 1.4 }),
    fill: new Fill({ color: 'rgba(224, 138, 30, 0.06)' }),
    minZoom: 13,
    label: { from: 16, to: 18, property: 'name', font: '12px sans-serif', color: '#a35d00' },
  },
  communities: {
    stroke: new Stroke({ color: '#3f7fd0', width: 1.4, lineDash: [6, 4] }),
    fill: new Fill({ color: 'rgba(63, 127, 208, 0.04)' }),
    minZoom: 12,
    label: { from: 14, to: 16, property: 'name', font: '13px sans-serif', color: '#1f5aa6' },
  },
  streets: {
    stroke: new Stroke({ color: '#1d3f72', width: 3.2 }),
    fill: new Fill({ color: 'rgba(29, 63, 114, 0.05)' }),
    minZoom: 0,
    label: { from: 0, to: 14, property: 'name', font: 'bold 15px sans-serif', color: '#1d3f72' },
  },
}

/** Bottom to top: the finest grid under the coarser outlines. */
export const LAYER_ORDER: GridLayerId[] = [
  'unit-grids',
  'responsibility-grids',
  'communities',
  'streets',
]

/** The web-map zoom of a resolution in metres per pixel (EPSG:3857, 256-pixel tiles). */
export function zoomOf(resolution: number): number {
  return Math.log2(156543.03392804097 / resolution)
}

export function labelAt(look: LayerLook, zoom: number): boolean {
  return look.label !== undefined && zoom >= look.label.from && zoom < look.label.to
}

// Polygons are outlines; each feature's label is its point in the tile's "<layer>-labels"
// layer, so a street crossing four tiles is still named once.
function styleFor(look: LayerLook): (feature: FeatureLike, resolution: number) => Style | undefined {
  const outline = new Style({ stroke: look.stroke, fill: look.fill })
  const label = look.label
  if (!label) return (feature) => (isPoint(feature) ? undefined : outline)
  const text = new Text({
    font: label.font,
    fill: new Fill({ color: label.color }),
    stroke: new Stroke({ color: '#fff', width: 3 }),
  })
  const labelStyle = new Style({ text })
  return (feature, resolution) => {
    if (!isPoint(feature)) return outline
    if (!labelAt(look, zoomOf(resolution))) return undefined
    text.setText(String(feature.get(label.property) ?? ''))
    return labelStyle
  }
}

function isPoint(feature: FeatureLike): boolean {
  return feature.getGeometry()?.getType() === 'Point'
}

// Tiles exist up to zoom 16; past it OpenLayers draws the zoom-16 tiles larger, which is exact
// for polygons this size and spares the service a request per screen.
const tileGrid = createXYZ({ maxZoom: 16, tileSize: 512 })

export function gridLayer(id: GridLayerId): VectorTileLayer {
  const look = LOOKS[id]
  return new VectorTileLayer({
    source: new VectorTileSource({
      format: new MVT(),
      tileGrid,
      url: `${window.location.origin}/tiles/${id}/{z}/{x}/{y}.mvt`,
      tileLoadFunction: authorizedTileLoad,
    }),
    style: styleFor(look),
    minZoom: look.minZoom,
    declutter: true,
    properties: { gridLayer: id },
  })
}
