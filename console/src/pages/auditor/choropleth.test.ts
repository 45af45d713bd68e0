import { describe, expect, it } from 'vitest'
import { colourClasses, colourOf, NO_VALUE } from './choropleth'

describe('the classes of a choropleth', () => {
  it('splits the range shown into five equal steps, light to dark', () => {
    const classes = colourClasses([0.5, 1, null, 0.75])
    expect(classes).toHaveLength(5)
    expect(classes[0]!.from).toBe(0.5)
    expect(classes[4]!.to).toBe(1)
    expect(colourOf(0.5, classes)).toBe(classes[0]!.colour)
    expect(colourOf(1, classes)).toBe(classes[4]!.colour)
    expect(colourOf(0.76, classes)).toBe(classes[2]!.colour)
  })

  it('greys out an area without a value, and has one class when every value is the same', () => {
    expect(colourOf(null, colourClasses([0.5]))).toBe(NO_VALUE)
    expect(colourClasses([0.5, 0.5])).toHaveLength(1)
    expect(colourClasses([null])).toEqual([])
  })
})
