// What only the auditor's pages ask: the indicator reports (JSON, GeoJSON, CSV and XLSX), the
// definitions naming their columns, the cases behind a count, the scorecards and 三率.
import { api, authHeaders, need } from '../../api/client'
import type { components, operations } from '../../api/schema'

export type IndicatorReport = components['schemas']['IndicatorReport']
export type Definitions = components['schemas']['Definitions']
export type CasePage = components['schemas']['CasePage']
export type ScorecardRead = components['schemas']['ScorecardRead']
export type ThreeRatesReport = components['schemas']['ThreeRatesReport']
export type IndicatorQuery = NonNullable<operations['indicator_report_reports_indicators_get']['parameters']['query']>
export type CountedQuery = NonNullable<operations['counted_cases_reports_cases_get']['parameters']['query']>
export type ScorecardQuery = NonNullable<operations['scorecard_reports_scorecards_get']['parameters']['query']>
export type ThreeRatesQuery = NonNullable<operations['three_rates_reports_three_rates_get']['parameters']['query']>

let definitionsAsked: Promise<Definitions> | null = null

/** Every count and indicator with its names (asked once a page load). */
export function definitions(): Promise<Definitions> {
  definitionsAsked ??= api.GET('/reports/definitions').then(need)
  return definitionsAsked
}

export async function indicatorReport(query: IndicatorQuery): Promise<IndicatorReport> {
  // The route also answers CSV, XLSX and GeoJSON; asked for JSON, it is the report.
  const answer = need(await api.GET('/reports/indicators', { params: { query: { ...query, format: 'json' } } }))
  return answer as IndicatorReport
}

export interface AreaFeature {
  type: 'Feature'
  id: string
  geometry: { type: string; coordinates: unknown } | null
  properties: Record<string, string | number | null>
}
export interface AreaCollection {
  type: 'FeatureCollection'
  features: AreaFeature[]
}

/** A report of a geographic group as GeoJSON: one feature per area and period. */
export async function indicatorAreas(query: IndicatorQuery): Promise<AreaCollection> {
  const { data } = await api.GET('/reports/indicators', {
    params: { query: { ...query, format: 'geojson' } },
    parseAs: 'json',
  })
  if (!data) throw new Error('no answer')
  return data as unknown as AreaCollection
}

export async function countedCases(query: CountedQuery): Promise<CasePage> {
  return need(await api.GET('/reports/cases', { params: { query } }))
}

export async function scorecard(query: ScorecardQuery): Promise<ScorecardRead> {
  return need(await api.GET('/reports/scorecards', { params: { query } }))
}

export async function threeRates(query: ThreeRatesQuery): Promise<ThreeRatesReport> {
  return need(await api.GET('/reports/three-rates', { params: { query } }))
}

/** Save the report as a file (CSV or XLSX, streamed by the API), as the browser saves a download. */
export async function downloadReport(query: IndicatorQuery, format: 'csv' | 'xlsx'): Promise<void> {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries({ ...query, format })) {
    if (value !== undefined && value !== null) params.set(key, String(value))
  }
  const response = await fetch(`/reports/indicators?${params}`, { headers: authHeaders() })
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
  const disposition = response.headers.get('content-disposition') ?? ''
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `indicators.${format}`
  saveBlob(await response.blob(), name)
}

export function saveBlob(blob: Blob, name: string): void {
  const link = document.createElement('a')
  link.href = URL.createObjectURL(blob)
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
}

/** Save a data URL (a chart's PNG) as a file. */
export function saveDataUrl(url: string, name: string): void {
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
}
