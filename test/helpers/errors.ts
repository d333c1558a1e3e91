import { isOcreError, type OcreError } from "../../cli/errors.js";

/** The OcreError a call fails with; any other outcome (success, another error) fails the test. */
export async function caught(promise: Promise<unknown>): Promise<OcreError> {
  try {
    await promise;
  } catch (error) {
    if (isOcreError(error)) return error;
    throw error;
  }
  throw new Error("expected an OcreError");
}
