// What to tell an inspector when the API says no: each stable problem `type` the inspector can
// meet has its own sentence (inspector.problems.* in both languages); the API's own bilingual
// detail follows it, since it names the particulars (the unit grid, the field).
import type { Problem } from '../../api/client'
import type { zh } from '../../i18n/inspector'

export type ProblemKey = keyof (typeof zh)['problems']

const BY_TYPE: Record<string, ProblemKey> = {
  'outside-your-grids': 'outsideYourGrids',
  'outside-coverage': 'outsideCoverage',
  'validation-error': 'validation',
  'action-not-allowed': 'actionNotAllowed',
  'precondition-failed': 'preconditionFailed',
  'idempotency-key-in-flight': 'inFlight',
  'invalid-photo': 'invalidPhoto',
  'photo-too-large': 'photoTooLarge',
  'too-many-photos': 'tooManyPhotos',
  'not-found': 'notFound',
  forbidden: 'forbidden',
}

export interface Explained {
  /** The message under inspector.problems. */
  key: ProblemKey
  /** The particulars: the API's detail or the reasons of the fields at fault. */
  detail: string
  /** The problem's type slug, when the API sent one. */
  slug: string | null
}

function isProblem(error: unknown): error is Problem {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Problem).type === 'string' &&
    typeof (error as Problem).status === 'number'
  )
}

/** The slug of a problem type: `/problems/outside-coverage` → `outside-coverage`. */
export function problemSlug(type: string): string {
  return type.slice(type.lastIndexOf('/') + 1)
}

/** An error from the API (a problem document) or from the network, as a person reads it. */
export function explainProblem(error: unknown): Explained {
  if (!isProblem(error)) {
    const detail = error instanceof Error ? error.message : String(error)
    return { key: 'network', detail, slug: null }
  }
  const slug = problemSlug(error.type)
  const reasons = (error.errors ?? []).map((item) => item.reason)
  return {
    key: BY_TYPE[slug] ?? 'other',
    detail: reasons.length ? reasons.join('；') : error.detail,
    slug,
  }
}
