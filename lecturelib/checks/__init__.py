"""Exercise checks: ``check_*`` functions that run a student's code against the reference.

A check generates inputs, calls the student's function (on copies, through :func:`call_student_on_copies`,
so that writing into an input fails with one standard message), compares with ``lecturelib``'s reference and
raises ``AssertionError`` saying what is wrong (shape, value, which element); on success it prints one short
line. Each chapter's checks live in a module ``chNN_*.py`` here; this package re-exports them explicitly.
"""

from ._core import assert_close, call_student, call_student_on_copies, passed
from .ch01_introduction import check_nearest_neighbour_predict, check_per_class_accuracy, check_top_k_error
from .ch02_single_neuron import check_logistic_loss_grad, check_perceptron_update, check_xor_weights
from .ch03_feedforward import check_forward_propagation, check_sigmoid_bce, check_softmax_jacobian_batch
from .ch04_backpropagation import check_backprop_two_layer, check_delta_backward, check_wrong_gradients
from .ch05_convolution import check_conv2d_single_channel, check_conv_matrix, check_receptive_field
from .ch06_pooling import check_maxpool_backward_single, check_maxpool_forward_single, check_spp_single
from .ch07_training_cnns import check_col2im_single, check_conv2d_dx_dilated, check_conv2d_weight_grad
from .ch08_optimization import check_adam_step, check_momentum_step, check_warmup_cosine_lr
from .ch09_regularization import (check_batchnorm_backward, check_batchnorm_train, check_inverted_dropout,
                                  check_pca_color_shift)
from .ch10_alexnet import check_grouped_conv2d, check_stack_shapes

# Chapters 11-15 list their checks in their modules' __all__ (still explicit: no names are made up here).
from . import ch11_deeper, ch12_scale, ch13_looking_inside, ch14_generating, ch15_applications
from .ch11_deeper import *  # noqa: F403
from .ch12_scale import *  # noqa: F403
from .ch13_looking_inside import *  # noqa: F403
from .ch14_generating import *  # noqa: F403
from .ch15_applications import *  # noqa: F403

__all__ = [
    "assert_close", "call_student", "call_student_on_copies", "passed",
    "check_nearest_neighbour_predict", "check_per_class_accuracy", "check_top_k_error",
    "check_logistic_loss_grad", "check_perceptron_update", "check_xor_weights",
    "check_forward_propagation", "check_sigmoid_bce", "check_softmax_jacobian_batch",
    "check_backprop_two_layer", "check_delta_backward", "check_wrong_gradients",
    "check_conv2d_single_channel", "check_conv_matrix", "check_receptive_field",
    "check_maxpool_backward_single", "check_maxpool_forward_single", "check_spp_single",
    "check_col2im_single", "check_conv2d_dx_dilated", "check_conv2d_weight_grad",
    "check_adam_step", "check_momentum_step", "check_warmup_cosine_lr",
    "check_batchnorm_backward", "check_batchnorm_train", "check_inverted_dropout", "check_pca_color_shift",
    "check_grouped_conv2d", "check_stack_shapes",
    *ch11_deeper.__all__, *ch12_scale.__all__, *ch13_looking_inside.__all__,
    *ch14_generating.__all__, *ch15_applications.__all__,
]
