import { describe, expect, it } from 'vitest'
import { newRequestKey, RequestKeys } from './requestKeys'

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('newRequestKey', () => {
  it('is a version 4 UUID', () => {
    expect(newRequestKey()).toMatch(UUID4)
    expect(newRequestKey((bytes) => bytes.fill(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
    expect(newRequestKey((bytes) => bytes.fill(0))).toBe('00000000-0000-4000-8000-000000000000')
  })

  it('differs each time', () => {
    expect(new Set(Array.from({ length: 50 }, () => newRequestKey())).size).toBe(50)
  })
})

describe('RequestKeys', () => {
  it('keeps the key while the request is the same, so a retry files once', () => {
    const keys = new RequestKeys()
    const report = { item_code: 'E0102', description: '暴露垃圾' }
    const first = keys.keyFor(report)
    expect(keys.keyFor({ ...report })).toBe(first)
  })

  it('takes a new key for a changed request, which the old key would have refused', () => {
    const keys = new RequestKeys()
    const first = keys.keyFor({ description: '暴露垃圾' })
    const second = keys.keyFor({ description: '暴露垃圾，约两袋' })
    expect(second).not.toBe(first)
    expect(keys.keyFor({ description: '暴露垃圾' })).not.toBe(first)
  })

  it('starts afresh after a reset', () => {
    const keys = new RequestKeys()
    const first = keys.keyFor({ a: 1 })
    keys.reset()
    expect(keys.keyFor({ a: 1 })).not.toBe(first)
  })
})
