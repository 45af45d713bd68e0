import 'vue-router'
import type { Role } from './api/client'

declare module 'vue-router' {
  interface RouteMeta {
    /** The only role that may open the page. */
    role?: Role
  }
}
