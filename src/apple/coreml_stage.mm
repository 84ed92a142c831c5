// The Core ML half of the Apple backend: open (compile once, cache), check, bind, predict.
#include "apple/coreml_stage.h"

#include <stdlib.h>
#include <string.h>
#include <string>
#include <vector>

#include "base/error.h"
#include "apple/package_digest.h"
#include "model/format.h"

namespace {

const char *reason(NSError *error) {
    return error ? error.localizedDescription.UTF8String : "no reason given";
}

// Where compiled models are kept: $WTCONV_COREML_CACHE, else the user's Caches folder.
NSURL *cache_folder() {
    NSFileManager *files = NSFileManager.defaultManager;
    const char *override_path = getenv("WTCONV_COREML_CACHE");
    NSURL *root = nil;
    if (override_path && override_path[0]) {
        NSString *path = [NSString stringWithUTF8String:override_path];
        root = path ? [NSURL fileURLWithPath:path isDirectory:YES] : nil;
    } else {
        NSArray<NSURL *> *caches = [files URLsForDirectory:NSCachesDirectory
                                                 inDomains:NSUserDomainMask];
        root = caches.count ? [caches[0] URLByAppendingPathComponent:@"libwtconv" isDirectory:YES]
                            : nil;
    }
    NSURL *folder = [root URLByAppendingPathComponent:@"coreml" isDirectory:YES];
    if (!folder || ![files createDirectoryAtURL:folder
                       withIntermediateDirectories:YES
                                        attributes:nil
                                             error:nil])
        return nil;
    return folder;
}

// Compiles the model at `source` and, when a cache folder is usable, moves the result there
// under `key`. The move goes through a uniquely named folder beside the final one, so that the
// last step is a rename within one folder: no process ever sees half a compiled model.
wtconv_status compile_into_cache(NSURL *source, NSURL *cached, NSURL *folder, const char *key,
                                 const char *path, NSURL *__autoreleasing *out) {
    NSFileManager *files = NSFileManager.defaultManager;
    NSError *error = nil;
    NSURL *compiled = [MLModel compileModelAtURL:source error:&error];
    if (!compiled)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "Core ML cannot compile '%s': %s", path,
                           reason(error));
    *out = compiled; // without a cache, use the temporary copy Core ML made
    if (!cached)
        return WTCONV_OK;
    NSString *staging_name =
        [NSString stringWithFormat:@"%s.%@.partial", key, NSUUID.UUID.UUIDString];
    NSURL *staging = [folder URLByAppendingPathComponent:staging_name isDirectory:YES];
    if (![files moveItemAtURL:compiled toURL:staging error:nil])
        return WTCONV_OK;
    if (![files moveItemAtURL:staging toURL:cached error:nil]) {
        if (![files fileExistsAtPath:cached.path]) {
            // The cache cannot take it: run from the staging copy, deleted with the context,
            // as without a cache.
            *out = staging;
            return WTCONV_OK;
        }
        // Another process cached the same model first: use theirs.
        [files removeItemAtURL:staging error:nil];
    }
    *out = cached;
    return WTCONV_OK;
}

MLModel *load(NSURL *url, MLComputeUnits units, NSError *__autoreleasing *error) {
    MLModelConfiguration *configuration = [[MLModelConfiguration alloc] init];
    configuration.computeUnits = units;
    return [MLModel modelWithContentsOfURL:url configuration:configuration error:error];
}

// Copies a float32 array Core ML made itself into our contiguous buffer `dst` of the same
// shape, element by element through the strides it reports.
wtconv_status copy_into(MLMultiArray *theirs, const wtconv_coreml_output &ours)
    API_AVAILABLE(macos(13.0), ios(16.0)) {
    const char *name = ours.name.UTF8String;
    if (theirs.dataType != MLMultiArrayDataTypeFloat32 || theirs.shape.count != 4 ||
        theirs.strides.count != 4)
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                           "Core ML returned output '%s' as an array of another type or rank",
                           name);
    struct strided {
        long long shape[4], strides[4], last;
    } layout = {};
    for (NSUInteger d = 0; d < 4; d++) {
        layout.shape[d] = theirs.shape[d].longLongValue;
        layout.strides[d] = theirs.strides[d].longLongValue;
        if (layout.shape[d] != ours.array.shape[d].longLongValue || layout.shape[d] < 1 ||
            layout.strides[d] < 0)
            return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                               "Core ML returned output '%s' with another shape", name);
        layout.last += (layout.shape[d] - 1) * layout.strides[d];
    }
    __block wtconv_status status = WTCONV_OK;
    float *dst = ours.data;
    [theirs getBytesWithHandler:^(const void *bytes, NSInteger size) {
      const float *src = static_cast<const float *>(bytes);
      const long long *n = layout.shape, *st = layout.strides;
      if (src == dst)
          return; // our own buffer after all
      if (static_cast<long long>(size) <
          (layout.last + 1) * static_cast<long long>(sizeof(float))) {
          status = wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                               "Core ML returned output '%s' smaller than its strides say", name);
          return;
      }
      long long i = 0;
      for (long long a = 0; a < n[0]; a++)
          for (long long b = 0; b < n[1]; b++)
              for (long long y = 0; y < n[2]; y++)
                  for (long long x = 0; x < n[3]; x++)
                      dst[i++] = src[a * st[0] + b * st[1] + y * st[2] + x * st[3]];
    }];
    return status;
}

} // namespace

// The OS build, not its display string (which Apple documents as unfit for parsing): a compiled
// model belongs to the Core ML that compiled it.
static NSString *cache_salt() {
    const NSOperatingSystemVersion v = NSProcessInfo.processInfo.operatingSystemVersion;
    return [NSString stringWithFormat:@"libwtconv %s; OS %ld.%ld.%ld", WTCONV_VERSION_STRING,
                                      static_cast<long>(v.majorVersion),
                                      static_cast<long>(v.minorVersion),
                                      static_cast<long>(v.patchVersion)];
}

// The compiled model cached under `key` (loaded), else the one compiled from the source that
// make_source() provides (then cached). `label` names the model in messages.
template <typename MakeSource>
static wtconv_status load_cached(const char *key, const char *label, MLComputeUnits units,
                                 MakeSource make_source, MLModel *__autoreleasing *model,
                                 NSURL *__autoreleasing *temporary) {
    NSFileManager *files = NSFileManager.defaultManager;
    NSError *error = nil;
    NSURL *url = nil, *source = nil;
    NSURL *folder = cache_folder();
    NSURL *cached =
        folder ? [folder URLByAppendingPathComponent:[NSString stringWithFormat:@"%s.mlmodelc", key]
                                         isDirectory:YES]
               : nil;
    NSString *cached_failure = nil; // why the cache entry did not load, if it did not
    wtconv_status status;
    if (cached && [files fileExistsAtPath:cached.path]) {
        url = cached;
        if (!(*model = load(url, units, &error))) {
            // Compile afresh beside the entry, which stays until the fresh copy shows that the
            // entry was the trouble (not, say, memory); other users may have it open.
            cached_failure = [NSString stringWithUTF8String:reason(error)];
            url = nil;
            error = nil;
        }
    }
    if (!url) {
        if ((status = make_source(&source)) != WTCONV_OK)
            return status;
        if ((status = compile_into_cache(source, cached_failure ? nil : cached, folder, key, label,
                                         &url)) != WTCONV_OK)
            return status;
        if (url != cached)
            *temporary = url; // not cached: the context deletes it when it is destroyed
        *model = load(url, units, &error);
        if (*model && cached_failure) // the entry was damaged: the next create caches anew
            [files removeItemAtURL:cached error:nil];
    }
    if (!*model && cached_failure)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT,
                           "Core ML cannot load '%s': %s (its cached compiled model: %s)", label,
                           reason(error), cached_failure.UTF8String);
    if (!*model)
        return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "Core ML cannot load '%s': %s", label,
                           reason(error));
    return WTCONV_OK;
}

// The wtconv.* strings of the model's metadata (copied: the C checks keep pointers to them);
// everything else in the metadata is ignored.
static wtconv_status read_layer(MLModel *model, const char *label, wtconv_coreml_layer *layer) {
    id creator = model.modelDescription.metadata[MLModelCreatorDefinedKey];
    std::vector<std::string> strings;
    if ([creator isKindOfClass:[NSDictionary class]]) {
        NSDictionary *pairs = creator;
        for (id key in pairs) {
            id value = pairs[key];
            if ([key isKindOfClass:[NSString class]] && [value isKindOfClass:[NSString class]]) {
                strings.emplace_back(static_cast<NSString *>(key).UTF8String);
                strings.emplace_back(static_cast<NSString *>(value).UTF8String);
            }
        }
    }
    std::vector<const char *> keys, values;
    for (size_t i = 0; i < strings.size(); i += 2) {
        keys.push_back(strings[i].c_str());
        values.push_back(strings[i + 1].c_str());
    }
    return wtconv_coreml_read_metadata(keys.data(), values.data(), keys.size(), label, layer);
}

wtconv_status wtconv_coreml_open(const char *path, MLComputeUnits units,
                                 MLModel *__autoreleasing *model, wtconv_coreml_layer *layer,
                                 NSURL *__autoreleasing *temporary) {
    NSFileManager *files = NSFileManager.defaultManager;
    NSString *ns_path = [NSString stringWithUTF8String:path];
    NSError *error = nil;
    BOOL is_folder = NO;
    wtconv_status status;
    *temporary = nil;
    if (!ns_path || ![files fileExistsAtPath:ns_path isDirectory:&is_folder])
        return wtconv_fail(WTCONV_ERR_IO, "cannot open '%s': no such Core ML model", path);
    NSURL *source = [NSURL fileURLWithPath:ns_path isDirectory:is_folder];

    if (wtconv_model_is_compiled_coreml(path)) { // already compiled: nothing to cache
        if (!(*model = load(source, units, &error)))
            return wtconv_fail(WTCONV_ERR_MODEL_FORMAT, "Core ML cannot load '%s': %s", path,
                               reason(error));
    } else {
        char key[65];
        if ((status = wtconv_package_digest(path, cache_salt().UTF8String, key)) != WTCONV_OK)
            return status;
        status = load_cached(
            key, path, units,
            [&](NSURL *__autoreleasing *out) {
                *out = source;
                return WTCONV_OK;
            },
            model, temporary);
        if (status != WTCONV_OK)
            return status;
    }
    return read_layer(*model, path, layer);
}

wtconv_status wtconv_coreml_open_written(const wtconv_coreml_package *package, const char *label,
                                         MLComputeUnits units, MLModel *__autoreleasing *model,
                                         NSURL *__autoreleasing *temporary) {
    NSFileManager *files = NSFileManager.defaultManager;
    NSURL *staging = nil; // the written package's folder, deleted once compiled
    char key[65];
    *temporary = nil;
    wtconv_generated_package_key(package, cache_salt().UTF8String, key);
    wtconv_status status = load_cached(
        key, label, units,
        [&](NSURL *__autoreleasing *out) -> wtconv_status {
            NSString *name = [NSString stringWithFormat:@"libwtconv-%@", NSUUID.UUID.UUIDString];
            staging = [files.temporaryDirectory URLByAppendingPathComponent:name isDirectory:YES];
            if (!staging || ![files createDirectoryAtURL:staging
                                withIntermediateDirectories:YES
                                                 attributes:nil
                                                      error:nil])
                return wtconv_fail(WTCONV_ERR_IO, "cannot create a temporary folder for the "
                                                  "Core ML package");
            NSURL *target = [staging URLByAppendingPathComponent:@"layer.mlpackage"
                                                     isDirectory:YES];
            if (!target || !target.path)
                return wtconv_fail(WTCONV_ERR_IO, "no path for a temporary Core ML package");
            *out = target;
            return wtconv_coreml_write_package(package, target.path.UTF8String);
        },
        model, temporary);
    if (staging)
        [files removeItemAtURL:staging error:nil];
    return status;
}

// The model's inputs or outputs as the portable checks see them; `names` keeps the strings.
static std::vector<wtconv_coreml_feature>
features_of(NSDictionary<NSString *, MLFeatureDescription *> *descriptions,
            std::vector<std::string> &names) {
    std::vector<wtconv_coreml_feature> features;
    names.reserve(descriptions.count); // no reallocation: features point into it
    for (NSString *name in descriptions) {
        MLFeatureDescription *description = descriptions[name];
        MLMultiArrayConstraint *constraint = description.multiArrayConstraint;
        wtconv_coreml_feature f = {};
        names.emplace_back(name.UTF8String);
        f.name = names.back().c_str();
        f.is_multiarray = description.type == MLFeatureTypeMultiArray && constraint != nil;
        if (constraint) {
            f.is_float32 = constraint.dataType == MLMultiArrayDataTypeFloat32;
            f.rank = static_cast<int>(constraint.shape.count);
            for (int d = 0; d < f.rank && d < WTCONV_COREML_MAX_RANK; d++)
                f.shape[d] = constraint.shape[static_cast<NSUInteger>(d)].longLongValue;
        }
        features.push_back(f);
    }
    return features;
}

wtconv_status wtconv_coreml_check_model(MLModel *model, const wtconv_mtl_plan *plan,
                                        const char *path) {
    std::vector<std::string> input_names, output_names;
    const std::vector<wtconv_coreml_feature> inputs =
        features_of(model.modelDescription.inputDescriptionsByName, input_names);
    const std::vector<wtconv_coreml_feature> outputs =
        features_of(model.modelDescription.outputDescriptionsByName, output_names);
    return wtconv_coreml_check_features(plan, inputs.data(), inputs.size(), outputs.data(),
                                        outputs.size(), path);
}

wtconv_status wtconv_coreml_bind(const wtconv_mtl_plan *plan, NSArray<id<MTLBuffer>> *buffers,
                                 wtconv_coreml_binding *binding) {
    NSMutableDictionary<NSString *, id> *inputs = [NSMutableDictionary dictionary];
    NSMutableDictionary<NSString *, id> *backings = [NSMutableDictionary dictionary];
    NSError *error = nil;
    for (int b = 0; b < plan->buffer_count; b++) {
        const wtconv_mtl_buffer *spec = &plan->buffers[b];
        if (!spec->is_coreml_input && !spec->is_coreml_output)
            continue;
        const long long n = spec->shape[0], c = spec->shape[1], h = spec->shape[2],
                        w = spec->shape[3];
        // The Metal buffer's memory, seen as a contiguous float32 NCHW tensor; the context
        // owns the buffer for as long as the array lives, so there is nothing to deallocate.
        float *data = static_cast<float *>(buffers[static_cast<NSUInteger>(b)].contents);
        MLMultiArray *array =
            [[MLMultiArray alloc] initWithDataPointer:data
                                                shape:@[ @(n), @(c), @(h), @(w) ]
                                             dataType:MLMultiArrayDataTypeFloat32
                                              strides:@[ @(c * h * w), @(h * w), @(w), @1 ]
                                          deallocator:nil
                                                error:&error];
        if (!array)
            return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                               "Core ML cannot wrap the Metal buffer '%s': %s", spec->name,
                               reason(error));
        NSString *name = [NSString stringWithUTF8String:spec->name];
        if (spec->is_coreml_input) {
            inputs[name] = [MLFeatureValue featureValueWithMultiArray:array];
        } else {
            backings[name] = array;
            binding->outputs.push_back({name, array, data});
        }
    }
    binding->inputs = [[MLDictionaryFeatureProvider alloc] initWithDictionary:inputs error:&error];
    if (!binding->inputs)
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE, "Core ML refuses the inputs: %s",
                           reason(error));
    binding->options = [[MLPredictionOptions alloc] init];
    binding->options.outputBackings = backings; // Core ML writes straight into our buffers
    return WTCONV_OK;
}

wtconv_status wtconv_coreml_predict(MLModel *model, const wtconv_coreml_binding *binding) {
    NSError *error = nil;
    id<MLFeatureProvider> result = [model predictionFromFeatures:binding->inputs
                                                         options:binding->options
                                                           error:&error];
    if (!result)
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE, "the Core ML prediction failed: %s",
                           reason(error));
    for (const wtconv_coreml_output &ours : binding->outputs) {
        MLMultiArray *theirs = [result featureValueForName:ours.name].multiArrayValue;
        if (!theirs)
            return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                               "the Core ML prediction returned no output '%s'",
                               ours.name.UTF8String);
        if (theirs == ours.array)
            continue; // written in place, through the backing
        const wtconv_status status = copy_into(theirs, ours);
        if (status != WTCONV_OK)
            return status;
    }
    return WTCONV_OK;
}
