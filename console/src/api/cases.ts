// A case through the public API: read with its ETag, act on it with If-Match, its events,
// photos and duplicates. Every page that opens a case uses these. A call that fails throws what
// the API (or the network) said: a problem document, shown with problemText or explainProblem.
import type { CaseAction, PhotoStep } from '../lib/caseActions'
import { api, authHeaders, need } from './client'
import type { components } from './schema'

type Schemas = components['schemas']
export type CaseDetail = Schemas['CaseDetailRead']
export type CaseEvent = Schemas['CaseEventRead']
export type CasePhoto = Schemas['CasePhotoRead']
export type Duplicate = Schemas['DuplicateCandidate']
export type ActionBody =
  | Schemas['RegisterBody']
  | Schemas['RejectBody']
  | Schemas['DispatchBody']
  | Schemas['WhistleBody']
  | Schemas['NoteBody']
  | Schemas['ReasonBody']
  | Schemas['ExtensionRequestBody']
  | Schemas['ExtensionApprovalBody']
  | Schemas['ReportHandledBody']
  | Schemas['VerifyBody']
  | Schemas['EvaluateBody']

export interface LoadedCase {
  detail: CaseDetail
  /** Sent back as If-Match with an action. */
  etag: string
}

/** Whether a thrown problem says the thing does not exist (or is outside the caller's scope). */
export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404
}

/** The case with its ETag. */
export async function loadCase(caseId: number): Promise<LoadedCase> {
  const result = await api.GET('/cases/{case_id}', { params: { path: { case_id: caseId } } })
  return { detail: need(result), etag: result.response.headers.get('ETag') ?? '' }
}

export async function loadEvents(caseId: number): Promise<CaseEvent[]> {
  return need(await api.GET('/cases/{case_id}/events', { params: { path: { case_id: caseId } } }))
}

export async function loadPhotos(caseId: number): Promise<CasePhoto[]> {
  return need(await api.GET('/cases/{case_id}/photos', { params: { path: { case_id: caseId } } }))
}

export async function loadDuplicates(caseId: number): Promise<Duplicate[]> {
  const path = { case_id: caseId }
  return need(await api.GET('/cases/{case_id}/duplicates', { params: { path } }))
}

/** A photo's picture as an object URL (a photo needs the bearer token, so no plain <img src>). */
export async function photoObjectUrl(url: string): Promise<string> {
  const response = await fetch(url, { headers: authHeaders() })
  if (!response.ok) throw new Error(`${url}: ${response.status}`)
  return URL.createObjectURL(await response.blob())
}

export type ActionOutcome =
  | { kind: 'done' }
  /** 412: someone else changed the case since it was read. */
  | { kind: 'stale'; problem: unknown }
  | { kind: 'refused'; problem: unknown }

/** Take an action on the case as last read (its ETag as If-Match), under a key when given. */
export async function sendAction(
  caseId: number,
  action: CaseAction,
  body: ActionBody,
  etag: string,
  key?: string,
): Promise<ActionOutcome> {
  // Every action has a route of its own with the same parameters; the body is the action's.
  const path = `/cases/{case_id}/actions/${action}` as '/cases/{case_id}/actions/accept'
  const header = { 'if-match': etag, ...(key ? { 'idempotency-key': key } : {}) }
  const { error, response } = await api.POST(path, {
    params: { path: { case_id: caseId }, header },
    body: body as Schemas['NoteBody'],
  })
  if (response.ok) return { kind: 'done' }
  return { kind: response.status === 412 ? 'stale' : 'refused', problem: error }
}

/** Upload photos of a step, under a key when given; a picture without a name gets one. */
export async function uploadPhotos(
  caseId: number,
  step: PhotoStep,
  photos: readonly Blob[],
  key?: string,
): Promise<CasePhoto[]> {
  const form = new FormData()
  photos.forEach((photo, n) =>
    form.append('files', photo, photo instanceof File ? photo.name : `${step}-${n + 1}.jpg`),
  )
  const header = key ? { 'idempotency-key': key } : {}
  return need(
    await api.POST('/cases/{case_id}/photos', {
      params: { path: { case_id: caseId }, query: { step }, header },
      body: { files: [] },
      bodySerializer: () => form,
    }),
  )
}
