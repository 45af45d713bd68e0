// The dispatcher's list as the URL holds it: the queue, the filters and the order, so that a
// reload or a shared link shows the same list. Which cases a queue holds is the service's
// business (GET /cases?queue=…); here are only the names of the queues.
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import type { components, operations } from '../api/schema'

export type Queue = components['schemas']['Queue']
export type CaseSort = components['schemas']['CaseSort']
export type Source = components['schemas']['Source']
/** A queue, or every case the caller sees. */
export type QueueTab = Queue | 'all'
export type CaseListParams = NonNullable<operations['list_cases_cases_get']['parameters']['query']>
export type CaseFilterParams = NonNullable<
  operations['queue_counts_cases_queues_get']['parameters']['query']
>

// The keys of these records are checked against the API's enums: a new queue, order or source
// in the API fails the type check until it is named here.
const QUEUE_ORDER = {
  to_register: 0,
  to_dispatch: 1,
  to_approve: 2,
  to_close: 3,
  overdue: 4,
  returned: 5,
  to_accept: 6,
  handling: 7,
  to_report_in: 8,
} as const satisfies Record<Queue, number>
const SORT_KEYS = {
  '-case_id': true,
  case_id: true,
  '-reported_at': true,
  reported_at: true,
  '-running_due_at': true,
  running_due_at: true,
} as const satisfies Record<CaseSort, true>
const SOURCE_KEYS = {
  inspector: true,
  hotline_12345: true,
  public: true,
  video: true,
  self_found: true,
} as const satisfies Record<Source, true>

export const QUEUES = Object.keys(QUEUE_ORDER) as Queue[]
/** The street center's queues (the dispatcher's tabs) and an office's (the liaison's). */
export const CENTER_QUEUES: readonly Queue[] = [
  'to_register',
  'to_dispatch',
  'to_approve',
  'to_close',
  'overdue',
  'returned',
]
export const OFFICE_QUEUES: readonly Queue[] = ['to_accept', 'handling', 'overdue', 'to_report_in']
export const TABS: readonly QueueTab[] = [...CENTER_QUEUES, 'all']
export const SOURCES = Object.keys(SOURCE_KEYS) as Source[]

export interface QueueFilters {
  queue: QueueTab
  itemCode: string | null
  source: Source | null
  officeCode: string | null
  /** Only the cases past their current step's deadline. */
  overdue: boolean
  /** First and last day reported (YYYY-MM-DD, both included, in the browser's zone). */
  reportedFrom: string | null
  reportedTo: string | null
  sort: CaseSort
}

export const DEFAULT_FILTERS: Readonly<QueueFilters> = {
  queue: 'to_register',
  itemCode: null,
  source: null,
  officeCode: null,
  overdue: false,
  reportedFrom: null,
  reportedTo: null,
  sort: '-case_id',
}

const ITEM_CODE = /^[EC][0-9]{4}$/
const OFFICE_CODE = /^[a-z0-9][a-z0-9_-]{0,31}$/
const DAY = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/

function one(value: LocationQuery[string] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first !== '' ? first : null
}

function pick<T extends string>(value: string | null, known: Record<T, unknown>): T | null {
  return value !== null && Object.hasOwn(known, value) ? (value as T) : null
}

function matching(value: string | null, pattern: RegExp): string | null {
  return value !== null && pattern.test(value) ? value : null
}

/** A day written YYYY-MM-DD that exists in the calendar, else null. */
function day(value: string | null): string | null {
  const parts = value === null ? null : DAY.exec(value)
  if (!parts) return null
  const [year, month, date] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  const local = new Date(year, month - 1, date)
  const exists =
    local.getFullYear() === year && local.getMonth() === month - 1 && local.getDate() === date
  return exists ? value : null
}

/** The filters a URL's query holds; whatever is missing or not understood is the default. */
export function filtersFromQuery(query: LocationQuery): QueueFilters {
  const queue = one(query.queue)
  return {
    queue: queue === 'all' ? 'all' : (pick(queue, QUEUE_ORDER) ?? DEFAULT_FILTERS.queue),
    itemCode: matching(one(query.item_code), ITEM_CODE),
    source: pick(one(query.source), SOURCE_KEYS),
    officeCode: matching(one(query.office_code), OFFICE_CODE),
    overdue: one(query.overdue) === 'true',
    reportedFrom: day(one(query.reported_from)),
    reportedTo: day(one(query.reported_to)),
    sort: pick(one(query.sort), SORT_KEYS) ?? DEFAULT_FILTERS.sort,
  }
}

/** The query of a URL holding the filters: only what differs from the defaults. */
export function queryFromFilters(filters: QueueFilters): LocationQueryRaw {
  const query: Record<string, string> = {}
  if (filters.queue !== DEFAULT_FILTERS.queue) query.queue = filters.queue
  if (filters.itemCode) query.item_code = filters.itemCode
  if (filters.source) query.source = filters.source
  if (filters.officeCode) query.office_code = filters.officeCode
  if (filters.overdue) query.overdue = 'true'
  if (filters.reportedFrom) query.reported_from = filters.reportedFrom
  if (filters.reportedTo) query.reported_to = filters.reportedTo
  if (filters.sort !== DEFAULT_FILTERS.sort) query.sort = filters.sort
  return query
}

/** The start of a local day as an instant with its offset, as the API takes times. */
function startOfDay(value: string, daysLater = 0): string {
  const [year, month, date] = value.split('-').map(Number) as [number, number, number]
  return new Date(year, month - 1, date + daysLater).toISOString()
}

/** The filters as the API's query parameters, shared by the list, its counts and the map. */
export function filterParams(filters: QueueFilters): CaseFilterParams {
  const params: CaseFilterParams = {}
  if (filters.itemCode) params.item_code = filters.itemCode
  if (filters.source) params.source = filters.source
  if (filters.officeCode) params.office_code = filters.officeCode
  if (filters.overdue) params.overdue = true
  if (filters.reportedFrom) params.reported_from = startOfDay(filters.reportedFrom)
  // The last day is included: the list ends when the next day begins.
  if (filters.reportedTo) params.reported_to = startOfDay(filters.reportedTo, 1)
  return params
}

/** The parameters of one page of the list: the filters, the queue and the order. */
export function listParams(filters: QueueFilters, limit: number): CaseListParams {
  const params: CaseListParams = { ...filterParams(filters), sort: filters.sort, limit }
  if (filters.queue !== 'all') params.queue = filters.queue
  return params
}
