// Tiles are fetched with the bearer token, which OpenLayers' own image-style loader cannot send.
import type { FeatureLike } from 'ol/Feature'
import type { Extent } from 'ol/extent'
import type Projection from 'ol/proj/Projection'
import type Tile from 'ol/Tile'
import TileState from 'ol/TileState'
import type VectorTile from 'ol/VectorTile'
import { authHeaders } from '../api/client'

export function authorizedTileLoad(tile: Tile, url: string): void {
  const vectorTile = tile as VectorTile<FeatureLike>
  const load = async (extent: Extent, projection: Projection): Promise<void> => {
    try {
      const response = await fetch(url, { headers: authHeaders() })
      if (response.status === 204) {
        vectorTile.setFeatures([])
        return
      }
      if (!response.ok) throw new Error(`tile ${url}: ${response.status}`)
      const features = vectorTile
        .getFormat()
        .readFeatures(await response.arrayBuffer(), { extent, featureProjection: projection })
      vectorTile.setFeatures(features)
    } catch (error) {
      console.warn(error)
      vectorTile.setState(TileState.ERROR)
    }
  }
  vectorTile.setLoader((extent, _resolution, projection) => {
    void load(extent, projection)
  })
}
