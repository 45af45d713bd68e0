import { describe, expect, it } from 'vitest'
import { ACTION_SPECS, actionButtons, type Action } from './caseActions'

describe('the buttons of a case', () => {
  it('are exactly the allowed actions, in the order the API lists them', () => {
    const buttons = actionButtons(['register', 'reject'])

    expect(buttons.map((button) => button.action)).toEqual(['register', 'reject'])
    expect(buttons.map((button) => button.label)).toEqual([
      'dispatcher.actions.register',
      'dispatcher.actions.reject',
    ])
  })

  it('are none when the caller may do nothing now', () => {
    expect(actionButtons([])).toEqual([])
  })

  it('never add an action the API did not offer', () => {
    // A pending extension: the API offers its decision, and nothing about the status is guessed.
    const buttons = actionButtons(['approve_extension', 'deny_extension'])

    expect(buttons.map((button) => button.action)).toEqual(['approve_extension', 'deny_extension'])
  })

  it('show an action listed twice once', () => {
    expect(actionButtons(['close', 'close']).map((button) => button.action)).toEqual(['close'])
  })

  it('leave out filing, which is no action on a case', () => {
    expect(actionButtons(['file', 'verify']).map((button) => button.action)).toEqual(['verify'])
  })

  it('give each action the form its body needs', () => {
    const form = (action: Action) => actionButtons([action])[0]
    expect(form('dispatch')).toMatchObject({ form: 'dispatch', type: 'primary' })
    expect(form('whistle')).toMatchObject({ form: 'whistle' })
    expect(form('reject')).toMatchObject({ form: 'reject', type: 'danger' })
    expect(form('deny_suspension')).toMatchObject({ form: 'fields', fields: ['reason'] })
    expect(form('rework')).toMatchObject({ form: 'fields', fields: ['reason'] })
    expect(form('approve_extension')).toMatchObject({ fields: ['approvedUntil', 'note'] })
    expect(form('report_handled')).toMatchObject({ fields: ['result'], photos: 'after' })
    expect(form('verify')).toMatchObject({ fields: ['passed', 'note'], photos: 'verification' })
  })

  it('ask for a reason wherever the API requires one', () => {
    const needReason = [
      'return',
      'request_extension',
      'deny_extension',
      'request_suspension',
      'deny_suspension',
      'rework',
    ] as const
    for (const action of needReason) expect(ACTION_SPECS[action].fields).toContain('reason')
  })
})
