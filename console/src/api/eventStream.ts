// The live events of the caller's cases (GET /events/stream), read with fetch() so that the
// bearer token goes in the Authorization header like every other call (EventSource cannot send
// headers, and a token in the URL would end up in logs). A broken stream reconnects after a few
// seconds with Last-Event-ID and loses nothing; while it is down, `connected` is false and the
// page's own polling carries on.
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'
import { usePolling } from '../lib/polling'
import { SseParser } from '../lib/sse'
import { authHeaders } from './client'
import type { components } from './schema'

export type CaseEvent = components['schemas']['EventOut']

const RECONNECT_MS = 3_000

export function useCaseEvents(onEvent: (event: CaseEvent) => void): { connected: Ref<boolean> } {
  const connected = ref(false)
  let lastEventId: string | null = null
  let controller: AbortController | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  async function read(): Promise<void> {
    controller = new AbortController()
    const headers: Record<string, string> = { ...authHeaders(), Accept: 'text/event-stream' }
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId
    const response = await fetch('/events/stream', { headers, signal: controller.signal })
    if (!response.ok || !response.body) throw new Error(`stream: ${response.status}`)
    connected.value = true
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    const parser = new SseParser()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      for (const message of parser.feed(value)) {
        if (message.id !== null) lastEventId = message.id
        if (message.event === 'case') onEvent(JSON.parse(message.data) as CaseEvent)
      }
    }
  }

  function start(): void {
    if (stopped) return
    read()
      .catch(() => undefined)
      .finally(() => {
        connected.value = false
        if (!stopped) timer = setTimeout(start, RECONNECT_MS)
      })
  }

  onMounted(start)
  onBeforeUnmount(() => {
    stopped = true
    clearTimeout(timer)
    controller?.abort()
  })
  return { connected }
}

/**
 * A page that refreshes as the caller's cases change: `refresh` runs once for a burst of events
 * (at most once every `pauseMs`), and every `pollMs` while the stream is down. Polling pauses in a
 * hidden tab; the stream does not, so the page is current when it is shown again.
 */
export function useLiveRefresh(refresh: () => unknown, pollMs: number, pauseMs = 300): void {
  let pending: ReturnType<typeof setTimeout> | undefined
  const live = useCaseEvents(() => {
    if (pending !== undefined) return
    pending = setTimeout(() => {
      pending = undefined
      void refresh()
    }, pauseMs)
  })
  usePolling(() => {
    if (!live.connected.value) void refresh()
  }, pollMs)
  onBeforeUnmount(() => clearTimeout(pending))
}
