// A case through the public API: read with its ETag, act on it with If-Match, its events,
// photos and duplicate candidates. Every workbench that opens a case uses these.
import { api, authHeaders, problemText } from '../../api/client'
import type { components } from '../../api/schema'
import type { CaseAction, PhotoStep } from '../../lib/caseActions'

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

export class ApiError extends Error {}

/** The case with its ETag; null when it does not exist or is outside the caller's scope. */
export async function loadCase(caseId: number): Promise<LoadedCase | null> {
  const { data, error, response } = await api.GET('/cases/{case_id}', {
    params: { path: { case_id: caseId } },
  })
  if (response.status === 404) return null
  if (!data) throw new ApiError(problemText(error))
  return { detail: data, etag: response.headers.get('ETag') ?? '' }
}

export async function loadEvents(caseId: number): Promise<CaseEvent[]> {
  const { data, error } = await api.GET('/cases/{case_id}/events', {
    params: { path: { case_id: caseId } },
  })
  if (!data) throw new ApiError(problemText(error))
  return data
}

export async function loadPhotos(caseId: number): Promise<CasePhoto[]> {
  const { data, error } = await api.GET('/cases/{case_id}/photos', {
    params: { path: { case_id: caseId } },
  })
  if (!data) throw new ApiError(problemText(error))
  return data
}

export async function loadDuplicates(caseId: number): Promise<Duplicate[]> {
  const { data, error } = await api.GET('/cases/{case_id}/duplicates', {
    params: { path: { case_id: caseId } },
  })
  if (!data) throw new ApiError(problemText(error))
  return data
}

/** A photo's picture as an object URL (the photo needs the bearer token, so no plain <img>). */
export async function photoObjectUrl(photo: CasePhoto): Promise<string> {
  const response = await fetch(photo.url, { headers: authHeaders() })
  if (!response.ok) throw new ApiError(`${response.status} ${photo.url}`)
  return URL.createObjectURL(await response.blob())
}

export type ActionOutcome =
  | { kind: 'done' }
  /** 412: someone else changed the case since it was read. */
  | { kind: 'stale' }
  | { kind: 'refused'; detail: string }

/** Take an action on the case as last read (its ETag as If-Match). */
export async function sendAction(
  caseId: number,
  action: CaseAction,
  body: ActionBody,
  etag: string,
): Promise<ActionOutcome> {
  // Every action has a route of its own with the same parameters; the body is the action's.
  const path = `/cases/{case_id}/actions/${action}` as '/cases/{case_id}/actions/accept'
  const { error, response } = await api.POST(path, {
    params: { path: { case_id: caseId }, header: { 'if-match': etag } },
    body: body as Schemas['NoteBody'],
  })
  if (response.ok) return { kind: 'done' }
  if (response.status === 412) return { kind: 'stale' }
  return { kind: 'refused', detail: problemText(error) }
}

/** Upload photos of a step; the problem's detail when they are refused. */
export async function uploadPhotos(
  caseId: number,
  step: PhotoStep,
  files: readonly File[],
): Promise<string | null> {
  const form = new FormData()
  for (const file of files) form.append('files', file)
  const { error, response } = await api.POST('/cases/{case_id}/photos', {
    params: { path: { case_id: caseId }, query: { step } },
    body: { files: [] },
    bodySerializer: () => form,
  })
  return response.ok ? null : problemText(error)
}
