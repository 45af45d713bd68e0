// The calls only the inspector's pages make (a case's reads, photos and actions are in
// api/cases), typed from the generated schema. Each returns its data or throws what the API (or
// the network) said, for explainProblem.
import { api, need } from '../../api/client'
import type { components } from '../../api/schema'

type Schemas = components['schemas']
export type CaseRead = Schemas['CaseRead']
export type Candidate = Schemas['DuplicateCandidateRead']
export type Place = Schemas['LocateRead']

export interface Point {
  lon: number
  lat: number
}

export async function locate({ lon, lat }: Point): Promise<Place> {
  return need(await api.GET('/geo/locate', { params: { query: { lon, lat, crs: 'wgs84' } } }))
}

export async function duplicateCandidates(
  { lon, lat }: Point,
  itemCode: string,
): Promise<Candidate[]> {
  const query = { lon, lat, crs: 'wgs84' as const, item_code: itemCode }
  return need(await api.GET('/cases/duplicate-candidates', { params: { query } }))
}

export interface Report {
  point: Point
  item_code: string
  description: string
}

export async function fileCase(report: Report, key: string): Promise<Schemas['CaseFiledRead']> {
  return need(
    await api.POST('/cases', {
      params: { header: { 'idempotency-key': key } },
      body: { ...report, point: { lon: report.point.lon, lat: report.point.lat, crs: 'wgs84' } },
    }),
  )
}

export type CasePage = Schemas['CasePage']

/** The inspector's cases (the API scopes them to their grids), newest first. */
export async function listCases(
  filter: { status?: Schemas['Status'][]; verification?: Schemas['VerificationFilter'] },
  after: number | null,
): Promise<CasePage> {
  const query = { ...filter, limit: 30, ...(after === null ? {} : { after }) }
  const page = need(await api.GET('/cases', { params: { query } }))
  // Without format=geojson or its Accept header the answer is the JSON page.
  return page as CasePage
}
