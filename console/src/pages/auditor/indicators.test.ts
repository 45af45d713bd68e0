import { describe, expect, it } from 'vitest'
import {
  addMonths,
  change,
  countedCasesQuery,
  defaultQuery,
  levelBelow,
  monthDays,
  monthsOf,
  nameOf,
  percent,
  queryFromRoute,
  routeFromQuery,
  rowDays,
} from './indicators'

describe('the dashboard query', () => {
  it('defaults to the twelve months up to this one, by street', () => {
    const query = defaultQuery(new Date('2026-12-06T02:00:00Z'))
    expect(query).toMatchObject({ groupBy: 'street', fromMonth: '2026-01', toMonth: '2026-12' })
  })

  it('takes the month in Shanghai', () => {
    // 31 December 20:00 UTC is already 1 January in Shanghai.
    expect(defaultQuery(new Date('2026-12-31T20:00:00Z')).toMonth).toBe('2027-01')
  })

  it('survives the URL and ignores what it does not know', () => {
    const query = { ...defaultQuery(new Date('2026-12-06')), groupBy: 'office' as const, month: '2026-11' }
    expect(queryFromRoute(routeFromQuery(query))).toEqual(query)
    const odd = queryFromRoute({ group_by: 'planet', from: '2026-13', month: 'x' }, new Date('2026-12-06'))
    expect(odd).toEqual(defaultQuery(new Date('2026-12-06')))
  })

  it('counts months across years', () => {
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(addMonths('2026-12', 1)).toBe('2027-01')
    expect(monthsOf('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02'])
    expect(monthDays('2026-01', '2026-02')).toEqual({ from: '2026-01-01', to: '2026-02-28' })
  })
})

describe('rates and their changes', () => {
  it('shows a rate in per cent, a missing one as a dash', () => {
    expect(percent(0.8756)).toBe('87.6%')
    expect(percent(null)).toBe('—')
  })

  it('gives the change in percentage points, good or bad by the rate', () => {
    expect(change('closure_rate', 0.9, 0.85)).toEqual({ text: '+5.0', trend: 'up', good: true })
    expect(change('rework_rate', 0.1, 0.05)).toEqual({ text: '+5.0', trend: 'up', good: false })
    expect(change('closure_rate', 0.8, null).trend).toBe('none')
  })
})

describe('the cases behind a count', () => {
  const range = { from: '2026-01-15', to: '2026-03-10' }

  it('covers the row month within the range asked for', () => {
    expect(rowDays('2026-01-01', range)).toEqual({ from: '2026-01-15', to: '2026-01-31' })
    expect(rowDays('2026-02-01', range)).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(rowDays('2026-03-01', range)).toEqual({ from: '2026-03-01', to: '2026-03-10' })
  })

  it('names the group, the count and the days; a row without a key has none', () => {
    const row = { key: '310105001', name: '华阳路街道', period_start: '2026-02-01' }
    expect(countedCasesQuery('street', row, 'closed', range)).toEqual({
      group_by: 'street',
      key: '310105001',
      count: 'closed',
      from: '2026-02-01',
      to: '2026-02-28',
      name: '华阳路街道',
    })
    expect(countedCasesQuery('office', { ...row, key: null }, 'closed', range)).not.toHaveProperty('key')
  })

  it('drills down from street to community to unit grid', () => {
    expect(levelBelow('street')).toBe('community')
    expect(levelBelow('community')).toBe('unit_grid')
    expect(levelBelow('unit_grid')).toBeNull()
  })
})

describe('nameOf', () => {
  const rates = [{ code: 'closure_rate', name_zh: '结案率', name_en: 'Closure rate' }]
  it('names a defined code in the page language', () => {
    expect(nameOf(rates, 'closure_rate', 'zh-CN')).toBe('结案率')
    expect(nameOf(rates, 'closure_rate', 'en')).toBe('Closure rate')
  })
  it('falls back to the code itself', () => {
    expect(nameOf(rates, 'rework_rate', 'en')).toBe('rework_rate')
    expect(nameOf(undefined, 'rework_rate', 'zh-CN')).toBe('rework_rate')
  })
})
