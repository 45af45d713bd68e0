// Photos from the phone's camera, made small before they travel: a 12-megapixel picture is
// 4–8 MB, too much for a street's mobile signal; 1600 px on the longest side keeps every detail
// an inspector needs at a tenth of that.

export const LONGEST_SIDE = 1600
export const JPEG_QUALITY = 0.85
/** The service takes at most this many photos per step. */
export const MAX_PHOTOS = 9

export interface Size {
  width: number
  height: number
}

/** The size of a picture scaled down (never up) so that its longest side is at most `longest`. */
export function fitWithin(size: Size, longest: number = LONGEST_SIDE): Size {
  if (!(size.width > 0 && size.height > 0 && longest > 0)) {
    throw new RangeError(`not a picture size: ${size.width}×${size.height}`)
  }
  const scale = Math.min(1, longest / Math.max(size.width, size.height))
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  }
}

export interface ResizedPhoto extends Size {
  blob: Blob
}

/**
 * The photo as a JPEG whose longest side is at most `longest`, turned upright as its EXIF says
 * (the service drops EXIF, so the turn must happen here). Rejects a file the browser cannot read.
 */
export async function resizePhoto(
  file: Blob,
  longest: number = LONGEST_SIDE,
  quality: number = JPEG_QUALITY,
): Promise<ResizedPhoto> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
  try {
    const size = fitWithin(bitmap, longest)
    const canvas = document.createElement('canvas')
    canvas.width = size.width
    canvas.height = size.height
    const context = canvas.getContext('2d')
    if (!context) throw new Error('no 2D canvas')
    // A transparent PNG would turn black in a JPEG.
    context.fillStyle = '#fff'
    context.fillRect(0, 0, size.width, size.height)
    context.drawImage(bitmap, 0, 0, size.width, size.height)
    const blob = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (made) => (made ? resolve(made) : reject(new Error('the JPEG could not be made'))),
        'image/jpeg',
        quality,
      ),
    )
    return { blob, ...size }
  } finally {
    bitmap.close()
  }
}
