/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header. */
#ifndef WTCONV_APPLE_SDK_COREML_MLMULTIARRAY_H
#define WTCONV_APPLE_SDK_COREML_MLMULTIARRAY_H

#include <CoreML/MLExport.h>

NS_ASSUME_NONNULL_BEGIN

/* Doc: MLMultiArrayDataType, https://developer.apple.com/documentation/coreml/mlmultiarraydatatype
 * The high half says integer (0x20000) or float (0x10000), the low byte the width in bits.
 * Float64 and Float are later spellings of Double and Float32. */
typedef NS_ENUM(NSInteger, MLMultiArrayDataType) {
    MLMultiArrayDataTypeDouble = 0x10000 | 64,
    MLMultiArrayDataTypeFloat64 API_AVAILABLE(macos(11.0), ios(14.0), watchos(7.0),
                                              tvos(14.0)) = 0x10000 | 64,
    MLMultiArrayDataTypeFloat32 = 0x10000 | 32,
    MLMultiArrayDataTypeFloat16 API_AVAILABLE(macos(12.0), ios(16.0), watchos(9.0),
                                              tvos(16.0)) = 0x10000 | 16,
    MLMultiArrayDataTypeFloat API_AVAILABLE(macos(11.0), ios(14.0), watchos(7.0),
                                            tvos(14.0)) = 0x10000 | 32,
    MLMultiArrayDataTypeInt32 = 0x20000 | 32,
} API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0));

/* Doc: MLMultiArray, https://developer.apple.com/documentation/coreml/mlmultiarray */
API_AVAILABLE(macos(10.13), ios(11.0), watchos(4.0), tvos(11.0))
ML_EXPORT
@interface MLMultiArray : NSObject
/* Doc: dataPointer. Deprecated for a future release in favour of getBytesWithHandler: and
 * getMutableBytesWithHandler: (a buffer-backed array may move its storage). */
@property(readonly, nonatomic) void *dataPointer NS_RETURNS_INNER_POINTER API_DEPRECATED(
    "Use getBytesWithHandler or getMutableBytesWithHandler instead. For Swift, use "
    "withUnsafeBytes or withUnsafeMutableBytes.",
    macos(10.13, API_TO_BE_DEPRECATED), ios(11.0, API_TO_BE_DEPRECATED),
    tvos(11.0, API_TO_BE_DEPRECATED), watchos(4.0, API_TO_BE_DEPRECATED));
/* Doc: dataType */
@property(readonly, nonatomic) MLMultiArrayDataType dataType;
/* Doc: shape */
@property(readonly, nonatomic) NSArray<NSNumber *> *shape;
/* Doc: strides (in elements, not bytes) */
@property(readonly, nonatomic) NSArray<NSNumber *> *strides;
/* Doc: count (number of elements) */
@property(readonly, nonatomic) NSInteger count;
@end

@interface MLMultiArray (Creation)
/* Doc: initWithShape:dataType:error: (contents uninitialized) */
- (nullable instancetype)initWithShape:(NSArray<NSNumber *> *)shape
                              dataType:(MLMultiArrayDataType)dataType
                                 error:(NSError **)error;
/* Doc: initWithDataPointer:shape:dataType:strides:deallocator:error: (wraps, does not copy) */
- (nullable instancetype)initWithDataPointer:(void *)dataPointer
                                       shape:(NSArray<NSNumber *> *)shape
                                    dataType:(MLMultiArrayDataType)dataType
                                     strides:(NSArray<NSNumber *> *)strides
                                 deallocator:(void (^_Nullable)(void *bytes))deallocator
                                       error:(NSError **)error;
@end

@interface MLMultiArray (ScopedBufferAccess)
/* Doc: getBytesWithHandler: (pointer valid only inside the block) */
- (void)getBytesWithHandler:(void(NS_NOESCAPE ^)(const void *bytes, NSInteger size))handler
    NS_REFINED_FOR_SWIFT API_AVAILABLE(macos(12.3), ios(15.4), watchos(8.5), tvos(15.4));
/* Doc: getMutableBytesWithHandler: (use the strides passed to the block: the storage may have
 * been replaced with one of another layout) */
- (void)getMutableBytesWithHandler:
    (void(NS_NOESCAPE ^)(void *mutableBytes, NSInteger size, NSArray<NSNumber *> *strides))handler
    NS_REFINED_FOR_SWIFT API_AVAILABLE(macos(12.3), ios(15.4), watchos(8.5), tvos(15.4));
@end

NS_ASSUME_NONNULL_END

#endif
