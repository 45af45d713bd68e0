import { describe, expect, it } from 'vitest'
import type { LocationQuery } from 'vue-router'
import {
  DEFAULT_FILTERS,
  filterParams,
  filtersFromQuery,
  listParams,
  queryFromFilters,
  type QueueFilters,
} from './queueFilters'

// The URL as the browser gives it back: every value a string.
const asUrl = (filters: QueueFilters): LocationQuery =>
  Object.fromEntries(
    Object.entries(queryFromFilters(filters)).map(([key, value]) => [key, String(value)]),
  )

const everything: QueueFilters = {
  queue: 'returned',
  itemCode: 'E0102',
  source: 'hotline_12345',
  officeCode: '310105001-chengguan',
  overdue: true,
  reportedFrom: '2026-03-01',
  reportedTo: '2026-03-31',
  sort: 'running_due_at',
}

describe('the filters in the URL', () => {
  it('come back from the URL exactly as they were set', () => {
    expect(filtersFromQuery(asUrl(everything))).toEqual(everything)
    expect(filtersFromQuery(asUrl({ ...DEFAULT_FILTERS, queue: 'all' }))).toEqual({
      ...DEFAULT_FILTERS,
      queue: 'all',
    })
  })

  it('leave the defaults out, so the plain workbench has a plain URL', () => {
    expect(queryFromFilters(DEFAULT_FILTERS)).toEqual({})
    expect(filtersFromQuery({})).toEqual(DEFAULT_FILTERS)
    expect(queryFromFilters({ ...DEFAULT_FILTERS, sort: '-running_due_at' })).toEqual({
      sort: '-running_due_at',
    })
  })

  it('drop what a hand-edited link gets wrong instead of sending it to the API', () => {
    const filters = filtersFromQuery({
      queue: 'lost',
      item_code: 'X1',
      source: 'rumour',
      office_code: 'Not An Office!',
      overdue: 'yes',
      reported_from: '2026-02-30',
      reported_to: 'tomorrow',
      sort: 'description',
    })

    expect(filters).toEqual(DEFAULT_FILTERS)
  })

  it('take the first of repeated parameters', () => {
    expect(filtersFromQuery({ queue: ['overdue', 'to_close'] }).queue).toBe('overdue')
  })
})

describe('the filters as API parameters', () => {
  it('name the queue, the order and the page for the list', () => {
    expect(listParams({ ...DEFAULT_FILTERS, queue: 'to_approve' }, 50)).toEqual({
      queue: 'to_approve',
      sort: '-case_id',
      limit: 50,
    })
    expect(listParams({ ...DEFAULT_FILTERS, queue: 'all' }, 20)).not.toHaveProperty('queue')
  })

  it('send the days as instants, the last day included', () => {
    const params = filterParams(everything)

    expect(new Date(params.reported_from!)).toEqual(new Date(2026, 2, 1))
    expect(new Date(params.reported_to!)).toEqual(new Date(2026, 3, 1))
    expect(params).toMatchObject({
      item_code: 'E0102',
      source: 'hotline_12345',
      office_code: '310105001-chengguan',
      overdue: true,
    })
    expect(params).not.toHaveProperty('queue')
    expect(params).not.toHaveProperty('sort')
  })
})
