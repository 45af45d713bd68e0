// Who is logged in, in this tab: the token (sessionStorage) and the user it belongs to (GET /me).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, problemText, tokenStore, type UserRead } from '../api/client'

export class LoginError extends Error {}

export const useSession = defineStore('session', () => {
  const user = ref<UserRead | null>(null)
  const loggedIn = computed(() => user.value !== null)

  async function login(username: string, password: string): Promise<UserRead> {
    const { data, error } = await api.POST('/auth/token', {
      body: { username, password, scope: '' },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    if (!data) throw new LoginError(problemText(error))
    tokenStore.set(data.access_token)
    const me = await loadMe()
    if (!me) throw new LoginError('登录后无法读取用户 / cannot read the user after login')
    return me
  }

  /** The user of the stored token, or null when there is none or it is no longer good. */
  async function loadMe(): Promise<UserRead | null> {
    if (!tokenStore.get()) return null
    const { data } = await api.GET('/me')
    user.value = data ?? null
    if (!data) tokenStore.clear()
    return user.value
  }

  async function logout(): Promise<void> {
    if (tokenStore.get()) await api.POST('/auth/logout').catch(() => undefined)
    forget()
  }

  function forget(): void {
    tokenStore.clear()
    user.value = null
  }

  return { user, loggedIn, login, loadMe, logout, forget }
})
