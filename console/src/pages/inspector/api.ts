// The calls the inspector's pages make, typed from the generated schema. Each returns its data
// or throws what the API (or the network) said, for explainProblem.
import { api } from '../../api/client'
import type { components } from '../../api/schema'

type Schemas = components['schemas']
export type CaseRead = Schemas['CaseRead']
export type CaseDetail = Schemas['CaseDetailRead']
export type CasePhoto = Schemas['CasePhotoRead']
export type Candidate = Schemas['DuplicateCandidateRead']
export type Place = Schemas['LocateRead']
export type Item = Schemas['ItemRead']
export type PhotoStep = Schemas['PhotoStep']

export interface Point {
  lon: number
  lat: number
}

function need<T>(result: { data?: T; error?: unknown }): T {
  if (result.data === undefined) throw result.error ?? new Error('no answer')
  return result.data
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

export async function addPhotos(
  caseId: number,
  step: PhotoStep,
  photos: Blob[],
  key: string,
): Promise<CasePhoto[]> {
  const form = new FormData()
  photos.forEach((photo, n) => form.append('files', photo, `${step}-${n + 1}.jpg`))
  return need(
    await api.POST('/cases/{case_id}/photos', {
      params: { path: { case_id: caseId }, query: { step }, header: { 'idempotency-key': key } },
      body: { files: [] },
      bodySerializer: () => form,
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

export interface Versioned {
  found: CaseDetail
  etag: string
}

export async function readCase(caseId: number): Promise<Versioned> {
  const result = await api.GET('/cases/{case_id}', { params: { path: { case_id: caseId } } })
  return { found: need(result), etag: result.response.headers.get('ETag') ?? '' }
}

export async function casePhotos(caseId: number): Promise<CasePhoto[]> {
  return need(await api.GET('/cases/{case_id}/photos', { params: { path: { case_id: caseId } } }))
}

export async function verify(
  caseId: number,
  etag: string,
  body: { passed: boolean; note?: string },
  key: string,
): Promise<CaseRead> {
  return need(
    await api.POST('/cases/{case_id}/actions/verify', {
      params: {
        path: { case_id: caseId },
        header: { 'if-match': etag, 'idempotency-key': key },
      },
      body,
    }),
  )
}

let catalog: Promise<Item[]> | null = null

/** Every current item of the catalog, read once a visit (it changes seldom). */
export function catalogItems(): Promise<Item[]> {
  catalog ??= readCatalog().catch((error: unknown) => {
    catalog = null
    throw error
  })
  return catalog
}

// A few hundred items: one or two pages.
async function readCatalog(): Promise<Item[]> {
  const items: Item[] = []
  let after: string | null = null
  do {
    const query: { limit: number; after?: string } = { limit: 500, ...(after ? { after } : {}) }
    const page = need(await api.GET('/catalog/items', { params: { query } }))
    items.push(...page.items)
    after = page.next_after
  } while (after)
  return items
}
