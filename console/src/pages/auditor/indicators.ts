// The auditor's dashboard as data: which indicators and counts it shows, its query in the URL,
// the days a row covers, and rates and their changes as people read them. No formula lives here:
// every value comes from `GET /reports/indicators`.
import type { components } from '../../api/schema'

export type GroupBy = components['schemas']['GroupBy']
export type IndicatorRow = components['schemas']['IndicatorRow']

/** The groups a person picks from (the API has more: item, inspector). */
export const GROUPS: readonly GroupBy[] = [
  'district',
  'street',
  'community',
  'responsibility_grid',
  'unit_grid',
  'office',
  'department',
  'item_class',
  'source',
]

/** The groups a map can colour, each with the level a click drills down to. */
/** Anything the reports define with a Chinese and an English name (counts, indicators, schemes). */
export interface Bilingual {
  name_zh: string
  name_en: string
}

/** The name in the page's language. */
export function localName(entry: Bilingual, locale: string): string {
  return locale === 'en' ? entry.name_en : entry.name_zh
}

/** The name of `code` among `entries` in the page's language; the code itself when unknown. */
export function nameOf(
  entries: readonly (Bilingual & { code: string })[] | undefined,
  code: string,
  locale: string,
): string {
  const found = entries?.find((entry) => entry.code === code)
  return found ? localName(found, locale) : code
}

export const MAP_LEVELS = ['street', 'community', 'unit_grid'] as const
export type MapLevel = (typeof MAP_LEVELS)[number]
export function levelBelow(level: MapLevel): MapLevel | null {
  const next = MAP_LEVELS[MAP_LEVELS.indexOf(level) + 1]
  return next ?? null
}

/** The rates of the table, each with 同比 and 环比 beside it. */
export const RATES = [
  'closure_rate',
  'on_time_closure_rate',
  'on_time_handling_rate',
  'rework_rate',
  'accurate_dispatch_rate',
  'satisfaction_rate',
] as const
/** Rates where less is better (a rise is bad news). */
const LOWER_IS_BETTER = new Set(['rework_rate', 'extension_rate', 'overdue_pending_rate', 'missed_report_rate'])

/** The counts of the table, each a link to the cases it counts. */
export const COUNTS = [
  'reported',
  'registered',
  'should_close',
  'closed',
  'closed_on_time',
  'reworks',
  'evaluated',
] as const

export interface DashboardQuery {
  groupBy: GroupBy
  fromMonth: string // YYYY-MM
  toMonth: string
  indicator: string // the charts' indicator
  month: string | null // the table's month; null: the last of the range
}

function monthOf(day: Date): string {
  // The month in Shanghai, where the reports count days.
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .formatToParts(day)
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}`
}

/** `month` plus `delta` months, both YYYY-MM. */
export function addMonths(month: string, delta: number): string {
  const [year, number] = month.split('-').map(Number) as [number, number]
  const index = year * 12 + number - 1 + delta
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

export function defaultQuery(now: Date = new Date()): DashboardQuery {
  const toMonth = monthOf(now)
  return { groupBy: 'street', fromMonth: addMonths(toMonth, -11), toMonth, indicator: 'closure_rate', month: null }
}

const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/

export function queryFromRoute(query: Record<string, unknown>, now: Date = new Date()): DashboardQuery {
  const base = defaultQuery(now)
  const text = (key: string): string | null => (typeof query[key] === 'string' ? (query[key] as string) : null)
  const groupBy = text('group_by')
  const fromMonth = text('from')
  const toMonth = text('to')
  const month = text('month')
  const result: DashboardQuery = {
    groupBy: groupBy && (GROUPS as readonly string[]).includes(groupBy) ? (groupBy as GroupBy) : base.groupBy,
    fromMonth: fromMonth && MONTH.test(fromMonth) ? fromMonth : base.fromMonth,
    toMonth: toMonth && MONTH.test(toMonth) ? toMonth : base.toMonth,
    indicator: text('indicator') ?? base.indicator,
    month: month && MONTH.test(month) ? month : null,
  }
  if (result.fromMonth > result.toMonth) result.fromMonth = result.toMonth
  return result
}

export function routeFromQuery(query: DashboardQuery): Record<string, string> {
  const route: Record<string, string> = {
    group_by: query.groupBy,
    from: query.fromMonth,
    to: query.toMonth,
    indicator: query.indicator,
  }
  if (query.month) route.month = query.month
  return route
}

function lastDay(month: string): string {
  const [year, number] = month.split('-').map(Number) as [number, number]
  const days = new Date(Date.UTC(year, number, 0)).getUTCDate()
  return `${month}-${String(days).padStart(2, '0')}`
}

/** The days of a range of months, as the reports take them (inclusive). */
export function monthDays(fromMonth: string, toMonth: string): { from: string; to: string } {
  return { from: `${fromMonth}-01`, to: lastDay(toMonth) }
}

/** Every month of the range, oldest first. */
export function monthsOf(fromMonth: string, toMonth: string): string[] {
  const months: string[] = []
  for (let month = fromMonth; month <= toMonth; month = addMonths(month, 1)) months.push(month)
  return months
}

/** A rate (0..1) as a percentage, or a dash when the API has none (an empty denominator). */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`
}

/** An indicator as shown: rates in per cent, hours as they are. */
export function shown(code: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  return code.endsWith('_hours') ? value.toFixed(1) : percent(value)
}

export type Trend = 'up' | 'down' | 'flat' | 'none'

/** The change of a rate against an earlier one, in percentage points, and whether it is good. */
export function change(
  code: string,
  now: number | null | undefined,
  before: number | null | undefined,
): { text: string; trend: Trend; good: boolean | null } {
  if (now === null || now === undefined || before === null || before === undefined) {
    return { text: '—', trend: 'none', good: null }
  }
  const points = Math.round((now - before) * 1000) / 10
  if (points === 0) return { text: '0.0', trend: 'flat', good: null }
  const up = points > 0
  const good = LOWER_IS_BETTER.has(code) ? !up : up
  return { text: `${up ? '+' : '−'}${Math.abs(points).toFixed(1)}`, trend: up ? 'up' : 'down', good }
}

/** The days a row of a monthly report covers: its month, within the range asked for. */
export function rowDays(periodStart: string, range: { from: string; to: string }): { from: string; to: string } {
  const end = lastDay(periodStart.slice(0, 7))
  return {
    from: periodStart < range.from ? range.from : periodStart,
    to: end > range.to ? range.to : end,
  }
}

/** The query of the case list behind one count of one row (`GET /reports/cases`). */
export function countedCasesQuery(
  groupBy: GroupBy,
  row: Pick<IndicatorRow, 'key' | 'name' | 'period_start'>,
  count: string,
  range: { from: string; to: string },
): Record<string, string> {
  const days = rowDays(row.period_start, range)
  const query: Record<string, string> = { group_by: groupBy, count, from: days.from, to: days.to, name: row.name }
  if (row.key !== null) query.key = row.key
  return query
}
