// The phone's position (WGS-84, what the Geolocation API gives), or the reason there is none,
// each reason with its own message under inspector.geolocation.

export type NoPosition = 'unsupported' | 'insecure' | 'denied' | 'unavailable' | 'timeout'

export interface Position {
  lon: number
  lat: number
  /** Metres, as the phone estimates it. */
  accuracy: number
}

export class PositionError extends Error {
  constructor(readonly reason: NoPosition) {
    super(reason)
  }
}

// GeolocationPositionError's codes.
const PERMISSION_DENIED = 1
const POSITION_UNAVAILABLE = 2

/** Why a position failed: browsers refuse plain-HTTP pages with PERMISSION_DENIED. */
export function reasonOf(code: number, secure: boolean): NoPosition {
  if (code === PERMISSION_DENIED) return secure ? 'denied' : 'insecure'
  return code === POSITION_UNAVAILABLE ? 'unavailable' : 'timeout'
}

export function currentPosition(timeoutMs = 15_000): Promise<Position> {
  if (!('geolocation' in navigator)) return Promise.reject(new PositionError('unsupported'))
  return new Promise((resolve, reject) =>
    navigator.geolocation.getCurrentPosition(
      ({ coords }) =>
        resolve({ lon: coords.longitude, lat: coords.latitude, accuracy: coords.accuracy }),
      (error) => reject(new PositionError(reasonOf(error.code, window.isSecureContext))),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30_000 },
    ),
  )
}
