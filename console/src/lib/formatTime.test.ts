import { describe, expect, it } from 'vitest'
import { formatTime, shortTime } from './formatTime'

// A time without a zone is read in the browser's own zone, as the API's are shown.
const MOMENT = '2026-03-02T10:05:00'

describe('times as people read them', () => {
  it('writes the year only when asked for', () => {
    expect(formatTime(MOMENT, 'en-US')).toBe('03/02/2026, 10:05')
    expect(formatTime(MOMENT, 'en-US', false)).toBe('03/02, 10:05')
  })

  it('writes the short time of the phone with the day and the minute', () => {
    expect(shortTime(MOMENT, 'zh-CN')).toBe('3/2 10:05')
    expect(shortTime(MOMENT, 'en-US')).toBe('3/2, 10:05')
  })

  it('writes nothing for no time and the text itself for one it cannot read', () => {
    expect(shortTime(null, 'zh-CN')).toBe('')
    expect(formatTime('soon', 'zh-CN')).toBe('soon')
  })
})
