/** A clip's source as the editor gets it from the page: where to play it from and its stored peaks. */
export type EditorPeaks = { duration: number; peaksPerSecond: number; peaks: number[] }
export type EditorSound = { url: string; duration: number | null; prompt: string; peaks: EditorPeaks | null }
