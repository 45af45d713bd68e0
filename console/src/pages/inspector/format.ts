// Times as the inspector's lists and cards show them.

/** "3月2日 10:05" / "3/2, 10:05": the day and the minute, in the phone's own time zone. */
export function shortTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return ''
  const moment = new Date(iso)
  if (Number.isNaN(moment.getTime())) return ''
  return moment.toLocaleString(locale, {
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  })
}
