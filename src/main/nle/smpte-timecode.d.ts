/** Types for the parts of `smpte-timecode` (CommonJS, untyped) that `timecode.ts` uses. */
declare module 'smpte-timecode' {
  interface Timecode {
    frameCount: number;
    hours: number;
    minutes: number;
    seconds: number;
    frames: number;
    dropFrame: boolean;
    toString(format?: 'field'): string;
    valueOf(): number;
  }
  interface TimecodeConstructor {
    (timeCode: number | string, frameRate?: number | [number, number], dropFrame?: boolean): Timecode;
    new (timeCode: number | string, frameRate?: number | [number, number], dropFrame?: boolean): Timecode;
  }
  const Timecode: TimecodeConstructor;
  export default Timecode;
}
