// Times as people read them, in the browser's zone and the console's language.
const formats = new Map<string, Intl.DateTimeFormat>()

function format(locale: string, withYear: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${withYear}`
  let found = formats.get(key)
  if (!found) {
    found = new Intl.DateTimeFormat(locale, {
      ...(withYear ? { year: 'numeric' } : {}),
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    })
    formats.set(key, found)
  }
  return found
}

/** `2026-03-02 10:00` as the locale writes it; the year only when asked for. */
export function formatTime(value: string | null | undefined, locale: string, withYear = true): string {
  if (!value) return ''
  const time = new Date(value)
  return Number.isNaN(time.getTime()) ? value : format(locale, withYear).format(time)
}
