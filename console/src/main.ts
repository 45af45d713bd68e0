import 'element-plus/dist/index.css'
import './style.css'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { setUnauthorizedHandler } from './api/client'
import { i18n, setLocale } from './i18n'
import { router } from './router'
import { useSession } from './stores/session'

async function start(): Promise<void> {
  const app = createApp(App).use(createPinia()).use(i18n).use(router)
  setLocale(i18n.global.locale.value)
  setUnauthorizedHandler(() => {
    useSession().forget()
    if (router.currentRoute.value.name !== 'login') {
      void router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } })
    }
  })
  app.mount('#app')
}

void start()
