import Foundation
import SalesShell

// Built two ways. `scripts/fuzz` builds it with -sanitize=fuzzer,address -DFUZZING: libFuzzer's driver
// runs the target named by SALESH_FUZZ_TARGET. A plain build replays files:
// `salesh-fuzz TARGET FILE…` runs each through the target (to reproduce a crash).

#if FUZZING

let target: String = ProcessInfo.processInfo.environment["SALESH_FUZZ_TARGET"] ?? "language"

// SwiftPM links an executable's entry as `<module>_main`; hand the arguments to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("salesh_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var count = argc
    var args: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &args) { data, size in
        FuzzTargets.run(target, data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}
#else
@main
struct Replay {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let target = args.first, FuzzTargets.names.contains(target) else {
            FileHandle.standardError.write(Data("usage: salesh-fuzz TARGET FILE…  (targets: \(FuzzTargets.names.joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        for path in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { print("cannot read \(path)"); continue }
            FuzzTargets.run(target, [UInt8](data))
            print("\(path): ok")
        }
    }
}
#endif
