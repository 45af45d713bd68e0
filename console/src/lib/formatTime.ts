// Times as people read them, in the browser's zone and the console's language.
type Style = 'withYear' | 'withoutYear' | 'short'

const TIME = { hour: '2-digit', minute: '2-digit', hour12: false } as const
const STYLES: Record<Style, Intl.DateTimeFormatOptions> = {
  withYear: { year: 'numeric', month: '2-digit', day: '2-digit', ...TIME },
  withoutYear: { month: '2-digit', day: '2-digit', ...TIME },
  short: { month: 'numeric', day: 'numeric', ...TIME },
}
const formats = new Map<string, Intl.DateTimeFormat>()

function format(locale: string, style: Style): Intl.DateTimeFormat {
  const key = `${locale}|${style}`
  let found = formats.get(key)
  if (!found) {
    found = new Intl.DateTimeFormat(locale, STYLES[style])
    formats.set(key, found)
  }
  return found
}

function written(value: string | null | undefined, locale: string, style: Style): string {
  if (!value) return ''
  const time = new Date(value)
  return Number.isNaN(time.getTime()) ? value : format(locale, style).format(time)
}

/** `2026-03-02 10:00` as the locale writes it; the year only when asked for. */
export function formatTime(value: string | null | undefined, locale: string, withYear = true): string {
  return written(value, locale, withYear ? 'withYear' : 'withoutYear')
}

/** "3/2 10:05": the day and the minute, as the inspector's phone lists and cards show them. */
export function shortTime(value: string | null | undefined, locale: string): string {
  return written(value, locale, 'short')
}
