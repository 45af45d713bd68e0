import { describe, expect, it } from 'vitest'
import { SseParser } from './sse'

describe('SseParser', () => {
  it('gives each message with its id once its blank line has come', () => {
    const parser = new SseParser()
    expect(parser.feed('retry: 3000\n\nid: 7\nevent: case\nda')).toEqual([])
    expect(parser.feed('ta: {"case_id":1}\n\n: heartbeat\n\nid: 8\ndata: {}\n\n')).toEqual([
      { id: '7', event: 'case', data: '{"case_id":1}' },
      { id: '8', event: 'message', data: '{}' },
    ])
  })

  it('keeps the last id for a message without one, and reads CRLF lines', () => {
    const parser = new SseParser()
    parser.feed('id: 3\r\ndata: a\r\n\r\n')
    expect(parser.feed('data: b\r\ndata: c\r\n\r\n')).toEqual([
      { id: '3', event: 'message', data: 'b\nc' },
    ])
  })

  it('skips heartbeats alone', () => {
    expect(new SseParser().feed(': heartbeat\n\n: heartbeat\n\n')).toEqual([])
  })
})
