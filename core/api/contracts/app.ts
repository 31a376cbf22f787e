/** The application shell: things the desktop host tells the UI (files opened from the OS). */
import { z } from 'zod';

export const OpenedFileSchema = z.object({
  /** Absolute path of the file, as the OS gave it. */
  path: z.string(),
  /** Its text; a `.spvit.json` pipeline is parsed by the UI against the pipeline schema. */
  contents: z.string(),
});
export type OpenedFile = z.infer<typeof OpenedFileSchema>;

export const appEvents = {
  /** A `.spvit.json` file opened from the OS (double click, `open-file`, argv) or the File menu. */
  'app.openFile': OpenedFileSchema,
} as const;
