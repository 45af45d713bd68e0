import { describe, expect, it } from 'vitest'
import { en, zh } from '../../i18n/inspector'
import { explainProblem, problemSlug } from './problems'

const problem = (type: string, detail = 'the detail', extra: object = {}) => ({
  type,
  title: 'title',
  status: 422,
  detail,
  ...extra,
})

describe('explainProblem', () => {
  it('says in Chinese and English why a point outside the grids is refused', () => {
    const explained = explainProblem(
      problem('/problems/outside-your-grids', '该点位于单元网格 310105001001003，不在您的责任网格内'),
    )
    expect(explained.key).toBe('outsideYourGrids')
    expect(zh.problems[explained.key]).toContain('不在您的责任网格内')
    expect(en.problems[explained.key]).toContain('outside your responsibility grids')
    expect(explained.detail).toContain('310105001001003')
  })

  it('tells a point outside every grid from one outside the inspector’s', () => {
    expect(explainProblem(problem('/problems/outside-coverage')).key).toBe('outsideCoverage')
  })

  it('names the fields at fault of an invalid input', () => {
    const explained = explainProblem(
      problem('/problems/validation-error', 'see errors', {
        errors: [
          { location: 'body.item_code', reason: '管理条目 E0198 不存在' },
          { location: 'body.description', reason: 'too short' },
        ],
      }),
    )
    expect(explained.key).toBe('validation')
    expect(explained.detail).toBe('管理条目 E0198 不存在；too short')
  })

  it('says someone else acted on a stale case', () => {
    expect(explainProblem(problem('/problems/precondition-failed', '', { status: 412 })).key).toBe(
      'preconditionFailed',
    )
  })

  it('falls back to the API’s own bilingual detail for a type it does not know', () => {
    const explained = explainProblem(problem('/problems/calendar-missing', '2031 年日历缺失'))
    expect(explained).toEqual({ key: 'other', detail: '2031 年日历缺失', slug: 'calendar-missing' })
  })

  it('calls an error that is no problem document a network failure', () => {
    expect(explainProblem(new TypeError('Failed to fetch'))).toEqual({
      key: 'network',
      detail: 'Failed to fetch',
      slug: null,
    })
  })
})

describe('problemSlug', () => {
  it('is the last part of the type', () => {
    expect(problemSlug('/problems/outside-coverage')).toBe('outside-coverage')
  })
})
