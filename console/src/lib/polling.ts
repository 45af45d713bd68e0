// Work that repeats while a page is open, such as refreshing a queue: paused while the tab is
// hidden, and done at once when it is shown again.
import { onBeforeUnmount, onMounted } from 'vue'

export function usePolling(task: () => unknown, everyMs: number): void {
  let timer: ReturnType<typeof setInterval> | undefined
  const visible = (): boolean => document.visibilityState === 'visible'
  const tick = (): void => {
    if (visible()) void task()
  }
  onMounted(() => {
    timer = setInterval(tick, everyMs)
    document.addEventListener('visibilitychange', tick)
  })
  onBeforeUnmount(() => {
    clearInterval(timer)
    document.removeEventListener('visibilitychange', tick)
  })
}
