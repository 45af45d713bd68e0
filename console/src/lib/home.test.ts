import { describe, expect, it } from 'vitest'
import { homeOf, safeNext } from './home'

describe('homeOf', () => {
  it('sends inspectors to their phone page and dispatchers to the workbench', () => {
    expect(homeOf('inspector')).toBe('inspector')
    expect(homeOf('dispatcher')).toBe('dispatcher')
  })

  it('sends auditors to their dashboard', () => {
    expect(homeOf('auditor')).toBe('auditor')
  })

  it('sends liaisons and admins to their workbenches', () => {
    expect(homeOf('liaison')).toBe('liaison')
    expect(homeOf('admin')).toBe('admin')
  })
})

describe('safeNext', () => {
  it('follows a path inside the console', () => {
    expect(safeNext('/dispatcher?status=reported')).toBe('/dispatcher?status=reported')
  })

  it('refuses other origins, the login page itself and non-strings', () => {
    expect(safeNext('//evil.example/x')).toBeNull()
    expect(safeNext('https://evil.example/')).toBeNull()
    expect(safeNext('/login')).toBeNull()
    expect(safeNext(['/dispatcher'])).toBeNull()
  })
})
