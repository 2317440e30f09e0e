import { stat } from 'node:fs/promises';

/** Whether anything exists at `file` (a missing or unreadable path counts as absent). */
export async function pathExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
