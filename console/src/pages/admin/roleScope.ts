// A role and the scope that role needs, as the admin's forms hold them and as the API takes them.
import type { Role } from '../../api/client'

export interface RoleScope {
  role: Role
  street_code: string
  office_code: string
  grids: string
}

export const ROLES: Role[] = ['inspector', 'dispatcher', 'liaison', 'auditor', 'admin']

/** The scope as the API takes it: only the field the role uses. */
export function scopeBody(value: RoleScope): {
  role: Role
  street_code: string | null
  office_code: string | null
  responsibility_grid_codes: string[]
} {
  const grids = value.grids
    .split(/[\s,，]+/)
    .map((code) => code.trim())
    .filter(Boolean)
  return {
    role: value.role,
    street_code: value.role === 'dispatcher' ? value.street_code || null : null,
    office_code: value.role === 'liaison' ? value.office_code || null : null,
    responsibility_grid_codes: value.role === 'inspector' ? grids : [],
  }
}
