import type { Messages } from './index'

// English, behind the language switch: the same keys as zh-CN.ts.
const en: Messages = {
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
    inspector: 'Inspector · my cases',
    dispatcher: 'Dispatcher workbench',
    placeholder: 'The workbench of this role is coming',
    placeholderDetail: 'Until then, work through the API docs (/docs).',
    soon: 'Coming soon',
  },
  map: {
    loading: 'Loading the map…',
    noMap: 'No grid map imported yet',
    streets: 'Streets',
    communities: 'Communities',
    unitGrids: 'Unit grids',
    responsibilityGrids: 'Responsibility grids',
    code: 'Code',
    name: 'Name',
    layers: 'Layers',
  },
  light: { green: 'On time', yellow: 'Due soon', red: 'Overdue', none: 'No deadline' },
}

export default en
