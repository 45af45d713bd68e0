import { describe, expect, it } from 'vitest'
import { canonical, diffRuleSets, problemsByRule } from './ruleSetDiff'

const rule = (id: string, priority: number, extra: Record<string, unknown> = {}) => ({
  id,
  priority,
  description: '',
  ...extra,
})

describe('diffRuleSets', () => {
  it('finds the rules added, removed and changed, by id', () => {
    const before = [rule('a', 10), rule('b', 20), rule('c', 30, { then: { lead_department: 'x' } })]
    const after = [rule('a', 10), rule('c', 30, { then: { lead_department: 'y' } }), rule('d', 40)]

    const diff = diffRuleSets(before, after)

    expect(diff.added.map((r) => r.id)).toEqual(['d'])
    expect(diff.removed.map((r) => r.id)).toEqual(['b'])
    expect(diff.changed.map((c) => c.after.id)).toEqual(['c'])
  })

  it('does not see a change in the order of an object keys', () => {
    expect(canonical({ a: 1, b: { c: 2, d: 3 } })).toBe(canonical({ b: { d: 3, c: 2 }, a: 1 }))
  })
})

describe('problemsByRule', () => {
  it('groups the problems by the rule they name, the rest apart', () => {
    const grouped = problemsByRule([
      { location: 'rules[2].when.item_codes', reason: 'unknown', index: 2 },
      { location: 'body.rules[0].priority', reason: 'bad' },
      { location: 'name', reason: 'missing' },
    ])

    expect([...grouped.keys()]).toEqual([2, 0, null])
  })
})
