"""Grader for 7.1 AlexNet: ch7.alexnet (stretch)."""
from d2lkit.grading.api import expect, expect_equal, grades, mistake_if, probes_for, reference

ref = reference(__file__)
probes = probes_for(__file__)

NUM_PARAMS = 46764746
BIG_LINEAR = 6400 * 4096 + 4096  # 26,218,496


def _convs(info):
    return [row for row in info["layers"] if row[0] == "Conv2d"]


def _linears(info):
    return [row for row in info["layers"] if row[0] == "Linear"]


@grades("ch7.alexnet", en="46,764,746 parameters; Linear(6400, 4096) holds 26,218,496 of them",
        zh="共 46,764,746 个参数；其中 Linear(6400, 4096) 占 26,218,496 个")
def test_alexnet_num_params(student):
    info = student.probe(probes.probe_alexnet_info)
    convs, linears = _convs(info), _linears(info)
    mistake_if(bool(convs) and convs[0][1] == 3, "three-input-channels",
               what="alexnet() first Conv2d in_channels", got=convs[0][1] if convs else None,
               expected=1)
    mistake_if(any(row[1] == 9216 for row in linears), "fc-in-features-9216",
               what="alexnet() first Linear in_features",
               got=linears[0][1] if linears else None, expected=6400)
    expect_equal(info["num_params"], NUM_PARAMS, what="sum(p.numel() for p in alexnet().parameters())")
    expect_equal(info["biggest"], ["14", BIG_LINEAR],
                 what="[layer with most parameters, its parameter count]")


@grades("ch7.alexnet", en="the 21 layers: types and hyper-parameters",
        zh="21 个层：类型和超参数")
def test_alexnet_layers(student):
    info = student.probe(probes.probe_alexnet_info)
    expect(info["type"] == "Sequential", what="type(alexnet())", expected="Sequential",
           got=info["type"])
    kinds = [row[0] for row in info["layers"]]
    mistake_if("Dropout" not in kinds, "no-dropout", what="alexnet() layer types", got=kinds)
    expected = probes.probe_alexnet_info(ref)
    expect_equal([row[0] for row in info["layers"]], [row[0] for row in expected["layers"]],
                 what="alexnet() layer types")
    for i, (got, exp) in enumerate(zip(info["layers"], expected["layers"])):
        expect_equal(got, exp, what=f"alexnet()[{i}] [type, hyper-parameters]")


@grades("ch7.alexnet", en="state_dict keys 0.*, 3.*, 6.*, 8.*, 10.*, 14.*, 17.*, 20.*",
        zh="state_dict 的键为 0.*、3.*、6.*、8.*、10.*、14.*、17.*、20.*")
def test_alexnet_keys(student):
    info = student.probe(probes.probe_alexnet_info)
    expect_equal(info["keys"], probes.probe_alexnet_info(ref)["keys"], what="alexnet().state_dict() keys")


@grades("ch7.alexnet", en="a 1×224×224 image leaves 6400 features for Linear(6400, 4096); 10 outputs",
        zh="1×224×224 的图像最后剩下 6400 个特征，输入 Linear(6400, 4096)；输出 10 个类别")
def test_alexnet_feature_size(student):
    got = student.probe(probes.probe_alexnet_features, 224)
    mistake_if(got["problem"] is not None and "expects 3 channels" in got["problem"],
               "three-input-channels", what="alexnet()[0] on a 1-channel image",
               got=got["problem"], expected="Conv2d(1, 96, ...)")
    mistake_if(got["fc_in"] == 9216, "fc-in-features-9216", what="alexnet() first Linear in_features",
               got=got["fc_in"], expected=got["features"])
    expect(got["problem"] is None, what="alexnet() on a 1×224×224 image", expected="no size mismatch",
           got=got["problem"])
    expect_equal(got["features"], 6400, what="features per example before the first Linear")
    expect_equal(got["fc_in"], got["features"], what="alexnet() first Linear in_features")
    expect_equal(got["fc_out"], 10, what="alexnet() last Linear out_features")
