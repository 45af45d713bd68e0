// The dispatcher's workbench.
import type { Widen } from './widen'

export const zh = {
  title: '派遣员工作台',
} as const

export const en: Widen<typeof zh> = {
  title: 'Dispatcher workbench',
}
