/**
 * QR codes of the page's URL: an SVG for the page to show (a phone scans it
 * off the desktop's screen) and the lines of one for the terminal.
 *
 * @module
 */

// @ts-types="@types/qrcode"
import QRCode from "qrcode";
import qrcodeTerminal from "qrcode-terminal";

/** An SVG QR code of `text`. */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

/** The lines of a QR code of `text` drawn with block characters, for a terminal. */
export function qrLines(text: string): string[] {
  let lines: string[] = [];
  qrcodeTerminal.generate(text, { small: true }, (drawn: string) => {
    lines = drawn.split("\n").filter((line) => line !== "");
  });
  return lines;
}
