// 简体中文: the console's first language, its shared words; each part of the console has its own
// file beside this one (map.ts, inspector.ts …). Every key must exist in English too (the type checks it).
export default {
  app: { title: '网格化城市管理', subtitle: '一张图 · 闭环处置' },
  lang: { label: '语言', zh: '中文', en: 'English' },
  login: {
    title: '登录',
    username: '用户名',
    password: '密码',
    submit: '登录',
    required: '请输入用户名和密码',
    hint: '演示账号密码均为 gridloop-demo',
  },
  nav: { logout: '退出登录', role: '角色' },
  roles: {
    admin: '系统管理员',
    auditor: '考核员',
    dispatcher: '派遣员',
    inspector: '监督员',
    liaison: '联络员',
  },
  home: {
    placeholder: '该角色的工作台即将上线',
    placeholderDetail: '请先使用 API 文档 (/docs) 完成工作。',
    soon: '即将上线',
  },
  light: { green: '正常', yellow: '临期', red: '超期', none: '无时限' },
} as const
