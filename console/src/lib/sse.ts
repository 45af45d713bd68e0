// Server-Sent Events read from a fetch() body: EventSource cannot send the bearer token, so the
// console reads the stream itself. This is the parser: text in, whole messages out.

export interface SseMessage {
  id: string | null
  event: string
  data: string
}

/** Feeds chunks of an event stream; each call returns the messages completed by that chunk.
 * Comments (`: heartbeat`) and `retry` lines are skipped; a message ends at a blank line. */
export class SseParser {
  private buffer = ''
  private id: string | null = null
  private event = ''
  private data: string[] = []

  feed(chunk: string): SseMessage[] {
    this.buffer += chunk
    const messages: SseMessage[] = []
    let end: number
    while ((end = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, end)
      const newline = this.buffer.startsWith('\r\n', end) ? 2 : 1
      this.buffer = this.buffer.slice(end + newline)
      const message = this.line(line)
      if (message) messages.push(message)
    }
    return messages
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      if (this.data.length === 0) return null
      const message = { id: this.id, event: this.event || 'message', data: this.data.join('\n') }
      this.event = ''
      this.data = []
      return message
    }
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'id') this.id = value
    else if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
    return null
  }
}
