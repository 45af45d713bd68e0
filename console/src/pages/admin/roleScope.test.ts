import { describe, expect, it } from 'vitest'
import { scopeBody } from './roleScope'

describe('scopeBody', () => {
  it('sends only the scope the role uses', () => {
    const form = { street_code: '310105001', office_code: '310105001-lvhua', grids: '31010500101' }

    expect(scopeBody({ role: 'dispatcher', ...form })).toEqual({
      role: 'dispatcher',
      street_code: '310105001',
      office_code: null,
      responsibility_grid_codes: [],
    })
    expect(scopeBody({ role: 'auditor', ...form }).office_code).toBeNull()
  })

  it('reads an inspector grids separated by commas or spaces', () => {
    const body = scopeBody({ role: 'inspector', street_code: '', office_code: '', grids: '31010500101，31010500102 ' })

    expect(body.responsibility_grid_codes).toEqual(['31010500101', '31010500102'])
  })
})
