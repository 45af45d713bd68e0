// zh-CN first; English behind the switch. The choice is kept in localStorage across visits.
import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import elementEn from 'element-plus/es/locale/lang/en.mjs'
import elementZhCn from 'element-plus/es/locale/lang/zh-cn.mjs'
import * as admin from './admin'
import * as auditor from './auditor'
import * as dispatcher from './dispatcher'
import en from './en'
import * as inspector from './inspector'
import * as liaison from './liaison'
import * as map from './map'
import type { Widen } from './widen'
import zhCN from './zh-CN'

// The core table (zh-CN.ts, en.ts) and one file a part of the console, each under its own key.
export type CoreMessages = Widen<typeof zhCN>
const zhMessages = {
  ...zhCN,
  map: map.zh,
  inspector: inspector.zh,
  dispatcher: dispatcher.zh,
  auditor: auditor.zh,
  liaison: liaison.zh,
  admin: admin.zh,
}
export type Messages = Widen<typeof zhMessages>
const enMessages: Messages = {
  ...en,
  map: map.en,
  inspector: inspector.en,
  dispatcher: dispatcher.en,
  auditor: auditor.en,
  liaison: liaison.en,
  admin: admin.en,
}
export type Locale = 'zh-CN' | 'en'

const LOCALE_KEY = 'gridloop.locale'

function storedLocale(): Locale {
  return localStorage.getItem(LOCALE_KEY) === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhMessages, en: enMessages },
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(LOCALE_KEY, locale)
  document.documentElement.lang = locale
}

export const elementLocale = computed(() =>
  i18n.global.locale.value === 'en' ? elementEn : elementZhCn,
)
