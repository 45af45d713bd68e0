// Where each role lands after logging in. Roles without a workbench yet share a placeholder.
import type { Role } from '../api/client'

export type HomeRoute = 'inspector' | 'dispatcher' | 'auditor' | 'liaison' | 'admin' | 'placeholder'

export function homeOf(role: Role): HomeRoute {
  switch (role) {
    case 'inspector':
      return 'inspector'
    case 'dispatcher':
      return 'dispatcher'
    case 'auditor':
      return 'auditor'
    case 'liaison':
      return 'liaison'
    case 'admin':
      return 'admin'
    default:
      return 'placeholder'
  }
}

/** A `next` query parameter is followed only when it stays inside the console. */
export function safeNext(next: unknown): string | null {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//')) return null
  return next.startsWith('/login') ? null : next
}
