import type { CoreMessages } from './index'

// English, behind the language switch: the same keys as zh-CN.ts.
const en: CoreMessages = {
  app: { title: 'Grid-based urban management', subtitle: 'One map · the closed loop' },
  lang: { label: 'Language', zh: '中文', en: 'English' },
  login: {
    title: 'Log in',
    username: 'Username',
    password: 'Password',
    submit: 'Log in',
    required: 'Enter a username and a password',
    hint: 'Every demo account has the password gridloop-demo',
  },
  nav: { logout: 'Log out', role: 'Role' },
  roles: {
    admin: 'Administrator',
    auditor: 'Auditor',
    dispatcher: 'Dispatcher',
    inspector: 'Inspector',
    liaison: 'Liaison',
  },
  home: {
    placeholder: 'The workbench of this role is coming',
    placeholderDetail: 'Until then, work through the API docs (/docs).',
    soon: 'Coming soon',
  },
  light: { green: 'On time', yellow: 'Due soon', red: 'Overdue', none: 'No deadline' },
}

export default en
