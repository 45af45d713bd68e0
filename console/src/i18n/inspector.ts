// The inspector's workbench.
import type { Widen } from './widen'

export const zh = {
  title: '监督员 · 我的案件',
} as const

export const en: Widen<typeof zh> = {
  title: 'Inspector · my cases',
}
