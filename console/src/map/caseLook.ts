// How a case looks on the map: its status as the fill, the deadline light of its running step
// as the ring; a cluster takes the worst light among its cases.
import type { components } from '../api/schema'
import { deadlineLight, type Light, type Step } from '../lib/deadline'

export type Status = components['schemas']['Status']
export type CaseRead = components['schemas']['CaseRead']

/** What the map needs of a case (the properties of a case's GeoJSON feature). */
export type CaseFacts = Pick<
  CaseRead,
  'status' | 'reported_at' | 'registered_at' | 'dispatched_at' | 'handled_at' | 'running_due_at'
>

// Cool colours for the statuses, so none is mistaken for a light (green, yellow, red).
export const STATUS_COLOURS: Record<Status, string> = {
  reported: '#2f6fde',
  registered: '#5b4fd6',
  dispatched: '#0b8fb3',
  handling: '#8a4fd0',
  suspended: '#7a8290',
  handled: '#139c8f',
  closed: '#44546a',
  evaluated: '#2d3a4d',
  rejected: '#a7adb7',
}

/** Legend order: the loop's order, the finished ones last. */
export const STATUSES: Status[] = [
  'reported',
  'registered',
  'dispatched',
  'handling',
  'suspended',
  'handled',
  'closed',
  'evaluated',
  'rejected',
]

export const LIGHT_COLOURS: Record<Light, string> = {
  green: '#2e9e44',
  yellow: '#e8b100',
  red: '#d93025',
  none: '#ffffff',
}

export const LIGHTS: Light[] = ['green', 'yellow', 'red', 'none']

// When the clock of the running step started: the step's deadline (`running_due_at`) runs from
// the action that entered the status. A status without a running deadline has no light.
const STEP_STARTED: Partial<Record<Status, keyof CaseFacts>> = {
  reported: 'reported_at',
  registered: 'registered_at',
  dispatched: 'dispatched_at',
  handling: 'dispatched_at',
  handled: 'handled_at',
}

/** The running step of a case as deadline.ts reads it; null when no deadline runs. */
export function runningStep(facts: CaseFacts): Step | null {
  const startedField = STEP_STARTED[facts.status]
  const startedAt = startedField ? facts[startedField] : null
  if (!startedAt || !facts.running_due_at) return null
  return { startedAt, dueAt: facts.running_due_at }
}

export function caseLight(facts: CaseFacts, now: Date = new Date()): Light {
  const step = runningStep(facts)
  return step ? deadlineLight(step, now) : 'none'
}

const SEVERITY: Record<Light, number> = { none: 0, green: 1, yellow: 2, red: 3 }

/** The most urgent light among several cases: 红 before 黄 before 绿. */
export function worstLight(lights: Iterable<Light>): Light {
  let worst: Light = 'none'
  for (const light of lights) if (SEVERITY[light] > SEVERITY[worst]) worst = light
  return worst
}

/** How many cases show each light. */
export function tallyLights(lights: Iterable<Light>): Record<Light, number> {
  const tally: Record<Light, number> = { green: 0, yellow: 0, red: 0, none: 0 }
  for (const light of lights) tally[light] += 1
  return tally
}
