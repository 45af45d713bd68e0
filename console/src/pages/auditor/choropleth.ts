// The classes of a choropleth: equal steps between the smallest and largest value shown, each with
// its colour (light to dark blue), and grey for an area without a value.
export const NO_VALUE = '#d9dde3'
const COLOURS = ['#deebf7', '#9ecae1', '#6baed6', '#3182bd', '#08519c'] as const

export interface ColourClass {
  from: number
  to: number
  colour: string
}

export function colourClasses(values: readonly (number | null)[]): ColourClass[] {
  const known = values.filter((value): value is number => value !== null && Number.isFinite(value))
  if (!known.length) return []
  const low = Math.min(...known)
  const high = Math.max(...known)
  if (low === high) return [{ from: low, to: high, colour: COLOURS[COLOURS.length - 1]! }]
  const step = (high - low) / COLOURS.length
  return COLOURS.map((colour, index) => ({
    from: low + index * step,
    to: index === COLOURS.length - 1 ? high : low + (index + 1) * step,
    colour,
  }))
}

export function colourOf(value: number | null | undefined, classes: readonly ColourClass[]): string {
  if (value === null || value === undefined || !classes.length) return NO_VALUE
  const found = classes.find((entry) => value <= entry.to)
  return (found ?? classes[classes.length - 1]!).colour
}
